/** Longest question accepted: a research question, not a document to paste in. */
export const MAX_QUESTION_CHARACTERS = 20_000;

/** What is wrong with a question, or undefined when it can be researched. */
export function questionProblem(question: string): string | undefined {
  const trimmed = question.trim();
  if (trimmed.length === 0) return "the question is empty";
  if (trimmed.length > MAX_QUESTION_CHARACTERS) {
    return `the question is ${trimmed.length} characters; the limit is ${MAX_QUESTION_CHARACTERS}`;
  }
  return undefined;
}
