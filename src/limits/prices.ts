/** List prices in US dollars per million tokens (input, output), for the cost estimate only. */
const PRICES_PER_MILLION: Record<string, { input: number; output: number }> = {
  "gpt-4.1": { input: 2, output: 8 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4 },
  "gpt-4o": { input: 2.5, output: 10 },
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "o4-mini": { input: 1.1, output: 4.4 },
};

/** The estimated cost of a call, or undefined for a model without a known price (a local one, say). */
export function estimatedCostUsd(model: string, inputTokens: number, outputTokens: number): number | undefined {
  // Dated snapshots (gpt-4.1-2025-04-14) cost what their model does.
  const price = PRICES_PER_MILLION[model] ?? PRICES_PER_MILLION[model.replace(/-\d{4}-\d{2}-\d{2}$/, "")];
  if (!price) return undefined;
  return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}
