import { emitFromContext } from "../progress.js";
import { isContextOverflow, reportedContextTokens } from "./overflow.js";

/** Each retry after a "context length exceeded" error gets this share of the last budget. */
const SHRINK = 0.6;
/** Retries before the error is let through: 0.6⁶ leaves under 5% of the first budget. */
const MAX_SHRINKS = 6;

/**
 * Runs a model call whose prompt is built to fit `budgetTokens`. When the provider still says
 * the prompt is over the model's window (the window was smaller than known, or the estimate
 * low), the prompt is built again for a smaller budget, as Open Deep Research does for the
 * report, and each such retry is counted (`context_shrunk`). Other errors pass through.
 */
export async function withinContext<T>(budgetTokens: number, call: (budgetTokens: number) => Promise<T>, name: string): Promise<T> {
  let budget = budgetTokens;
  for (let shrinks = 0; ; shrinks += 1) {
    try {
      return await call(budget);
    } catch (error) {
      if (!isContextOverflow(error) || shrinks >= MAX_SHRINKS) throw error;
      const reported = reportedContextTokens(error);
      budget = Math.floor(Math.min(budget, reported ?? Infinity) * SHRINK);
      emitFromContext({ type: "model_fallback", call: name, fallback: "context_shrunk" });
    }
  }
}
