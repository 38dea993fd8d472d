/**
 * The errors behind an error: LangGraph reports parallel failures of one step
 * as an AggregateError, which says nothing by itself.
 */
export function rootErrors(error: unknown): unknown[] {
  if (error instanceof AggregateError) return error.errors.flatMap(rootErrors);
  return [error];
}

/** One line per distinct cause, for a person to read. */
export function describeError(error: unknown): string {
  const messages = rootErrors(error).map((e) => (e instanceof Error ? e.message : String(e)));
  return [...new Set(messages)].join("; ");
}
