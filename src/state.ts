import { z } from "zod";
import { DeltaValue, MessagesDeltaValue, ReducedValue, StateSchema } from "@langchain/langgraph";

/**
 * The field type of every conversation below. It deliberately shadows LangGraph's MessagesValue:
 * the delta variant keeps only each step's new messages in a checkpoint and rebuilds the whole
 * conversation from them on resume, so a run's stored bytes grow with its steps, not their square.
 */
const MessagesValue = MessagesDeltaValue;

/** A page or document a search actually returned; the only thing a report may cite. */
export const SourceSchema = z.object({
  url: z.string(),
  title: z.string(),
});
export type Source = z.infer<typeof SourceSchema>;

/** Appends sources, keeping the first of each URL and the order they were found in. */
export function mergeSources(current: Source[], next: Source[] | Source): Source[] {
  const incoming = Array.isArray(next) ? next : [next];
  const seen = new Set(current.map((source) => source.url));
  const merged = [...current];
  for (const source of incoming) {
    if (seen.has(source.url)) continue;
    seen.add(source.url);
    merged.push(source);
  }
  return merged;
}

/**
 * Shared field definitions: a subgraph's output schema must reuse its state's own fields.
 * What research accumulates (findings, raw notes, sources) is a delta field, as the conversations
 * are: a checkpoint stores what its step added, not the whole list again in every checkpoint
 * after the fan-out (at 16 units, about a megabyte a run was serialised and written for nothing).
 */
const sourcesField = new DeltaValue(
  z.array(SourceSchema).default(() => []),
  {
    inputSchema: z.union([z.array(SourceSchema), SourceSchema]),
    reducer: (current: Source[], writes: (Source[] | Source)[]) => writes.reduce(mergeSources, current),
  },
);

const appendedStrings = () =>
  new DeltaValue(
    z.array(z.string()).default(() => []),
    {
      inputSchema: z.union([z.array(z.string()), z.string()]),
      reducer: (current: string[], writes: (string[] | string)[]) => current.concat(...writes),
    },
  );
const notesField = appendedStrings();
const rawNotesField = appendedStrings();

/** The searches a run made with its search tool, how many failed, and the first few causes. */
export const SearchTallySchema = z.object({
  searches: z.number().int(),
  failed: z.number().int(),
  causes: z.array(z.string()),
});
export type SearchTally = z.infer<typeof SearchTallySchema>;
export const NO_SEARCHES: SearchTally = { searches: 0, failed: 0, causes: [] };

/** Adds two tallies, keeping the first three distinct causes. */
export function addSearchTallies(current: SearchTally, next: SearchTally): SearchTally {
  return {
    searches: current.searches + next.searches,
    failed: current.failed + next.failed,
    causes: [...new Set([...current.causes, ...next.causes])].slice(0, 3),
  };
}

const searchTallyField = new ReducedValue(
  SearchTallySchema.default(() => NO_SEARCHES),
  { reducer: addSearchTallies },
);

/**
 * How a finished run went: `done`, or `partial` when the report stands on less
 * than the research was meant to give it (see src/report/outcome.ts), with why.
 */
export const RunOutcomeSchema = z.object({
  status: z.enum(["done", "partial"]),
  reason: z.string(),
});
export type RunOutcome = z.infer<typeof RunOutcomeSchema>;

/**
 * How a report's citations were checked: citations the writer made, those
 * that name a source the run retrieved (the others are dropped), and, with
 * verify_citations=claims, those whose source supports the sentence, and
 * those the check could not judge.
 */
export const CitationCheckSchema = z.object({
  checked: z.number().int(),
  retrieved: z.number().int(),
  supported: z.number().int().optional(),
  unchecked: z.number().int().optional(),
});
export type CitationCheck = z.infer<typeof CitationCheckSchema>;

/**
 * What research hands upwards, from a unit to the supervisor to the run: the
 * answers to the supervisor's calls, findings, raw notes, sources, and the
 * tally of its searches.
 */
const researchResults = {
  supervisor_messages: MessagesValue,
  notes: notesField,
  raw_notes: rawNotesField,
  sources: sourcesField,
  search_tally: searchTallyField,
};

/** What a run takes: a chat, as in Open Deep Research, so Studio's chat view works. */
export const AgentInput = new StateSchema({
  messages: MessagesValue,
});

/** The whole run's state. */
export const AgentState = new StateSchema({
  messages: MessagesValue,
  /** A question clarify_with_user has decided to ask and not yet had answered. */
  clarifying_question: z.string().default(""),
  research_brief: z.string().default(""),
  ...researchResults,
  final_report: z.string().default(""),
  /** Set with final_report; a run without a report has no outcome yet. */
  outcome: RunOutcomeSchema.optional(),
  /** Set with final_report. */
  citation_check: CitationCheckSchema.optional(),
});
export type AgentStateValue = typeof AgentState.State;

/** The supervisor subgraph: plans, fans research units out, and collects their results. */
export const SupervisorState = new StateSchema({
  research_brief: z.string().default(""),
  research_iterations: z.number().int().default(0),
  ...researchResults,
});
export type SupervisorStateValue = typeof SupervisorState.State;

/**
 * What the research phase hands back: findings, sources, and the supervisor's
 * conversation (so Studio and the CLI can see each unit's answer as it lands).
 */
export const SupervisorOutput = new StateSchema(researchResults);

/** One research unit: a researcher that works one topic, then compresses its findings. */
export const ResearcherState = new StateSchema({
  research_topic: z.string(),
  /** The supervisor's ConductResearch call this unit answers. */
  tool_call_id: z.string(),
  researcher_messages: MessagesValue,
  tool_call_iterations: z.number().int().default(0),
  /** Its supervisor_messages hold the unit's answer: one tool message, matched by tool_call_id. */
  ...researchResults,
});
export type ResearcherStateValue = typeof ResearcherState.State;

/** What a research unit hands back to the supervisor, and nothing more. */
export const ResearcherOutput = new StateSchema(researchResults);

/** What the Send to research_unit carries. */
export type ResearchUnitInput = { research_topic: string; tool_call_id: string };
