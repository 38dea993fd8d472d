import type { BaseMessage } from "@langchain/core/messages";
import type { Configuration } from "../config.js";
import type { AgentStateValue, RunOutcome } from "../state.js";
import { messageText } from "../util/messages.js";

type Evidence = Pick<AgentStateValue, "supervisor_messages" | "search_tally" | "sources">;

/**
 * How a run's research went, judged when its report is written. It is
 * `partial` when every research unit failed, when every search failed, or,
 * with a search backend (search_api other than none), when not one source was
 * retrieved; the first of these that holds is the reason. Otherwise `done`.
 * With search_api=none no sources are expected, so only failed units count.
 */
export function judgeOutcome(state: Evidence, searchApi: Configuration["search_api"]): RunOutcome {
  const units = unitAnswers(state.supervisor_messages);
  const failedUnits = units.filter((unit) => unit.error !== undefined);
  if (units.length > 0 && failedUnits.length === units.length) {
    return partial(`every research unit failed: ${failedUnits[0].error}`);
  }
  if (searchApi === "none") return { status: "done", reason: "" };
  const tally = state.search_tally;
  if (tally.searches > 0 && tally.failed === tally.searches) {
    // The search's own "every query failed: " would only repeat what this says.
    return partial(`every search failed: ${tally.causes[0]?.replace(/^every query failed: /, "") ?? "no cause given"}`);
  }
  if (state.sources.length === 0) {
    return partial(tally.searches === 0 ? "no source was retrieved: the researchers ran no search" : `no source was retrieved: ${tally.searches} searches found nothing`);
  }
  return { status: "done", reason: "" };
}

/** The note a partial report opens with, so a reader sees it before anything else. */
export function partialNote(reason: string): string {
  return `> **Partial report:** ${reason}\n> It was written from what the run had gathered; treat it as incomplete.\n\n`;
}

function partial(reason: string): RunOutcome {
  return { status: "partial", reason };
}

/** The research units' answers to ConductResearch (refused or malformed calls have no topic). */
function unitAnswers(messages: BaseMessage[]): { error?: string }[] {
  return messages.flatMap((message) => {
    if (message.getType() !== "tool" || message.name !== "ConductResearch") return [];
    const artifact = (message as { artifact?: { research_topic?: unknown; error?: unknown } }).artifact;
    if (typeof artifact?.research_topic !== "string") return [];
    if ((message as { status?: string }).status !== "error") return [{}];
    return [{ error: typeof artifact.error === "string" ? artifact.error : messageText(message) }];
  });
}
