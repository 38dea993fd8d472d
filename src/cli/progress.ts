import type { ProgressEvent, Stage } from "../progress.js";
import { countOf } from "../util/plural.js";

/** The top-level steps, in the words the progress line uses. */
const STAGES: Record<Stage, string> = {
  clarify_with_user: "clarifying",
  write_research_brief: "writing brief",
  research_supervisor: "researching",
  final_report_generation: "writing report",
};

/** What a run has done so far, built from the graph's stream. */
export class RunProgress {
  readonly startedAt = Date.now();
  stage = "starting";
  unitsStarted = 0;
  unitsFinished = 0;
  toolErrors = 0;
  /** Model calls that needed a fallback, by kind (tool_calling, json_in_text, …), for --json counts. */
  readonly modelFallbacks: Record<string, number> = {};
  readonly sources = new Set<string>();
  /** Tokens the run's model calls have spent so far, from the `tokens` events. */
  readonly tokens = { input: 0, output: 0 };
  /** Milliseconds spent in each stage, for --json timings. */
  readonly stageTimings: Record<string, number> = {};
  private stageStartedAt = Date.now();
  private listeners: ((line: string) => void)[] = [];
  private readonly topics = new Map<string, string>();

  onEvent(listener: (line: string) => void): void {
    this.listeners.push(listener);
  }

  /**
   * One chunk of `stream(…, { streamMode: ["updates", "custom"], subgraphs: true })`.
   * Stages, units and sources come from the progress events (src/progress.ts)
   * that API clients read too; a unit counts as finished once its update is
   * streamed, because only then has its result been handed to the checkpointer.
   */
  observe(namespace: string[], mode: string, data: unknown): void {
    if (mode === "custom") this.observeCustom(data as ProgressEvent);
    if (mode === "updates" && namespace.length === 0 && "final_report_generation" in (data as object)) this.enterStage("done");
    if (mode === "updates" && namespace.length === 1) this.observeSupervisorUpdate(data as Record<string, unknown>);
    // A resumed run re-enters research past its first round, which announces the stage.
    if (mode === "updates" && namespace[0]?.startsWith("research_supervisor")) this.enterStage(STAGES.research_supervisor);
  }

  /**
   * A research_unit update is emitted once the unit's result has been handed
   * to the checkpointer, so "finished" here means saved, not merely computed.
   */
  private observeSupervisorUpdate(update: Record<string, unknown>): void {
    type UnitAnswer = { tool_call_id?: string; status?: string; artifact?: { research_topic?: string } };
    const unit = update.research_unit as { supervisor_messages?: UnitAnswer[]; sources?: unknown[] } | undefined;
    for (const message of unit?.supervisor_messages ?? []) {
      const topic = message.artifact?.research_topic ?? this.topics.get(message.tool_call_id ?? "") ?? "";
      this.unitsFinished += 1;
      const outcome = message.status === "error" ? "failed" : `finished (${countOf(unit?.sources?.length ?? 0, "source")})`;
      this.emit(`unit ${outcome}: ${shorten(topic)}`);
    }
  }

  private observeCustom(event: ProgressEvent): void {
    switch (event.type) {
      case "stage":
        this.enterStage(STAGES[event.stage]);
        break;
      case "unit_started":
        this.unitsStarted += 1;
        this.topics.set(event.id, event.topic);
        this.emit(`unit started: ${shorten(event.topic)}`);
        break;
      case "sources_found":
        for (const url of event.urls) this.sources.add(url);
        break;
      case "tool_failed":
        this.toolErrors += 1;
        // Long enough for the cause: "every query failed: Tavily error 401: …".
        this.emit(`tool ${event.tool} failed: ${shorten(event.error, 300)}`);
        break;
      case "step_degraded":
        this.emit(`${event.step}: ${event.detail}`);
        break;
      case "model_fallback":
        this.modelFallbacks[event.fallback] = (this.modelFallbacks[event.fallback] ?? 0) + 1;
        break;
      case "tokens":
        this.tokens.input += event.input;
        this.tokens.output += event.output;
        break;
    }
  }

  enterStage(stage: string): void {
    if (stage === this.stage) return;
    this.stageTimings[this.stage] = (this.stageTimings[this.stage] ?? 0) + (Date.now() - this.stageStartedAt);
    this.stage = stage;
    this.stageStartedAt = Date.now();
    // Exact counts, so a log can be checked against --json's usage.
    this.emit(`stage: ${stage} (tokens so far: ${this.tokens.input} in, ${this.tokens.output} out)`);
  }

  /** A line of its own in the progress output, e.g. what the local corpus holds. */
  note(line: string): void {
    this.emit(line);
  }

  elapsedMs(): number {
    return Date.now() - this.startedAt;
  }

  statusLine(): string {
    const tokens = (this.tokens.input + this.tokens.output).toLocaleString("en-US");
    return `${this.stage} · units ${this.unitsFinished}/${this.unitsStarted} done · ${countOf(this.sources.size, "source")} · ${tokens} tokens · ${formatElapsed(this.elapsedMs())}`;
  }

  private emit(line: string): void {
    for (const listener of this.listeners) listener(line);
  }
}

export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
}

function shorten(text: string, max = 80): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export type ProgressView = {
  /** Stops drawing and clears the status line. */
  stop(): void;
  /** Holds the status line while the user is asked something. */
  hold(held: boolean): void;
};

/**
 * Shows progress on stderr: on a terminal, one status line redrawn in place
 * with events printed above it; otherwise plain timestamped lines.
 */
export function renderProgress(progress: RunProgress, stream: NodeJS.WriteStream): ProgressView {
  if (!stream.isTTY) {
    progress.onEvent((line) => stream.write(`[${formatElapsed(progress.elapsedMs())}] ${line}\n`));
    return { stop: () => undefined, hold: () => undefined };
  }
  let held = false;
  const draw = () => {
    if (!held) stream.write(`\r\x1b[2K${progress.statusLine()}`);
  };
  progress.onEvent((line) => {
    if (held) return;
    stream.write(`\r\x1b[2K${line}\n`);
    draw();
  });
  const timer = setInterval(draw, 250);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      stream.write("\r\x1b[2K");
    },
    hold(value) {
      held = value;
      if (held) stream.write("\r\x1b[2K");
    },
  };
}
