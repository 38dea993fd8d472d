import { parseArgs } from "node:util";
import { questionProblem } from "../question.js";
import { THREAD_COLUMNS } from "./threadColumns.js";

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** How `--format` prints a report: markdown (the default), one HTML page, the --json result, or a PDF of the page. */
export const REPORT_FORMATS = ["md", "html", "json", "pdf"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export type RunArgs = {
  command: "run";
  question?: string;
  thread?: string;
  settings: string[];
  out?: string;
  json: boolean;
  format: ReportFormat;
  answer?: string;
  quiet: boolean;
};

export type CliArgs =
  | RunArgs
  | { command: "help" }
  | { command: "version" }
  | { command: "threads"; json: boolean }
  | { command: "show"; thread: string; json: boolean; format: ReportFormat; out?: string }
  | { command: "prune"; olderThan?: string; thread?: string }
  | { command: "export"; format: "drb"; thread?: string; out?: string }
  | { command: "index"; folder: string; settings: string[]; json: boolean }
  | { command: "config"; settings: string[]; json: boolean };

export const OPTIONS = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
  thread: { type: "string", short: "t" },
  set: { type: "string", short: "s", multiple: true },
  out: { type: "string", short: "o" },
  json: { type: "boolean" },
  answer: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  format: { type: "string", short: "f" },
  "older-than": { type: "string" },
  "no-cache": { type: "boolean" },
} as const;

const SUBCOMMANDS = new Set(["threads", "show", "prune", "export"]);

export function parseCliArgs(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0]);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: "help" };
  if (values.version) return { command: "version" };
  if (values.thread !== undefined) checkThreadId(values.thread, "--thread");
  const [first, ...rest] = positionals;
  if (first === "index" && rest.length <= 1) {
    if (!rest[0]?.trim()) throw new UsageError("fanout index needs a folder: fanout index <folder>");
    return { command: "index", folder: rest[0], settings: values.set ?? [], json: values.json ?? false };
  }
  const settings = [...(values.set ?? []), ...(values["no-cache"] ? ["cache=false"] : [])];
  if (first === "config" && rest.length === 0) return { command: "config", settings, json: values.json ?? false };
  if (first && SUBCOMMANDS.has(first) && rest.length <= 1 && !values.set) {
    return subcommand(first, rest[0], values);
  }
  if (positionals.length > 1) {
    throw new UsageError(`give the question as one argument in quotes (got ${positionals.length} words)`);
  }
  if (values["older-than"]) throw new UsageError("--older-than goes with `fanout prune`");
  const format = parseFormat(values.format, values.json, values.out);
  const question = first === undefined ? undefined : first.trim();
  if (question !== undefined) checkQuestion(question);
  if (question === undefined && !values.thread) throw new UsageError('no question given: fanout "<question>" (see --help)');
  return {
    command: "run",
    question,
    thread: values.thread,
    settings,
    out: values.out,
    json: values.json === true || format === "json",
    format,
    answer: values.answer,
    quiet: values.quiet ?? false,
  };
}

function subcommand(name: string, argument: string | undefined, values: Record<string, unknown>): CliArgs {
  const json = Boolean(values.json);
  if (name === "export") {
    if (values.format !== "drb") throw new UsageError("fanout export needs --format drb (DeepResearch Bench's {id, prompt, article} JSONL)");
    const thread = (values.thread as string | undefined) ?? argument;
    if (thread !== undefined) checkThreadId(thread, "the thread id");
    return { command: "export", format: "drb", thread, out: values.out as string | undefined };
  }
  if (name !== "show" && (values.format !== undefined || values.out !== undefined)) throw new UsageError(`--format and --out do not go with \`fanout ${name}\``);
  if (name === "threads") return { command: "threads", json };
  if (name === "show") {
    const thread = argument ?? (values.thread as string | undefined);
    if (!thread) throw new UsageError("fanout show needs a thread id");
    checkThreadId(thread, "the thread id");
    const format = parseFormat(values.format as string | undefined, json, values.out as string | undefined);
    return { command: "show", thread, json: json || format === "json", format, out: values.out as string | undefined };
  }
  const olderThan = values["older-than"] as string | undefined;
  const thread = (values.thread as string | undefined) ?? argument;
  if (!olderThan && !thread) throw new UsageError("fanout prune needs --older-than DURATION (e.g. 7d) or --thread ID");
  if (thread !== undefined) checkThreadId(thread, "the thread id");
  return { command: "prune", olderThan, thread };
}

/**
 * `--format`: md unless given. --json prints the result object, so with html or
 * pdf the page needs a file of its own (--out).
 */
function parseFormat(text: string | undefined, json: boolean | undefined, out: string | undefined): ReportFormat {
  const format = (text?.trim().toLowerCase() || "md") as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) throw new UsageError(`--format ${JSON.stringify(text)} is not one of ${REPORT_FORMATS.join(", ")}`);
  if (json && (format === "html" || format === "pdf") && out === undefined) {
    throw new UsageError(`--json prints the result on stdout; with --format ${format} add --out FILE for the report`);
  }
  if (format === "pdf" && out === undefined) throw new UsageError("--format pdf writes a file: add --out FILE.pdf");
  return format;
}

/** Longer than any id a person types or a uuid; a guard against pasting the wrong thing. */
export const MAX_THREAD_ID_CHARACTERS = 200;

/**
 * Thread ids are printed in progress lines, `threads` rows and resume hints, so one
 * with a newline or a terminal escape would forge or garble that output.
 */
function checkThreadId(id: string, what: string): void {
  if (!id.trim()) throw new UsageError(`${what} is empty; give a thread id, or leave --thread out to start a new run`);
  if (id.length > MAX_THREAD_ID_CHARACTERS) {
    throw new UsageError(`thread id is ${id.length} characters; the limit is ${MAX_THREAD_ID_CHARACTERS}`);
  }
  if (/[\p{Cc}\p{Zl}\p{Zp}]/u.test(id)) {
    throw new UsageError(`thread id ${JSON.stringify(id)} has a control character (a newline, tab or escape); use letters, digits and punctuation`);
  }
}

function checkQuestion(question: string): void {
  const problem = questionProblem(question);
  if (problem) throw new UsageError(problem);
}

/** "7d", "12h", "30m", "45s" → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim());
  if (!match) throw new UsageError(`bad duration "${text}": use a number and a unit, e.g. 7d, 12h, 30m`);
  const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 }[match[2] as "s" | "m" | "h" | "d" | "w"];
  return Number(match[1]) * unit;
}

export const HELP = `fanout — deep research with parallel researchers and cited reports

Usage:
  fanout "<question>" [options]      research a question; the report goes to stdout
  fanout --thread ID                 resume an unfinished run, or print a finished one's report
  fanout threads                     list runs (${THREAD_COLUMNS.map((column) => column.described).join(", ")})
  fanout show ID                     a run's status (and why), pending step and report
  fanout prune --older-than 7d       delete runs not updated for that long (or --thread ID)
  fanout export --format drb         finished runs as DeepResearch Bench JSONL (or --thread ID)
  fanout index <folder>              build or update the search index of a folder (search_api=local)
  fanout config [--set k=v] [--json] the settings a run would use, and where each came from

Options:
  -s, --set key=value   a setting for this run (repeatable); see the README for keys
  -t, --thread ID       thread id: names a new run, or picks one to resume
  -o, --out FILE        write the report to FILE instead of stdout
      --no-cache        send every model call (same as --set cache=false)
      --json            print a JSON result on every outcome (status, reason, report, …)
  -f, --format FORMAT   the report as md (default), html, json (as --json) or pdf (needs --out)
      --answer TEXT     answer the clarifying question without a prompt
  -q, --quiet           no progress on stderr
  -h, --help            this help
  -v, --version         the version

Environment:
  OPENAI_API_KEY        key for openai:* models (or OPENAI_BASE_URL for a compatible server)
  TAVILY_API_KEY        key for search_api=tavily (the default)
  POSTGRES_URI          keep runs in Postgres; otherwise in FANOUT_HOME (default ~/.fanout)
  FANOUT_<KEY>          a setting, e.g. FANOUT_MAX_CONCURRENT_RESEARCH_UNITS=3
  FANOUT_LOG_LEVEL      structured logs (JSON) on stderr: error, warn (default), info, debug

Exit codes: 0 done, 1 run failed, 2 bad input or configuration, 3 waiting for an answer,
4 finished partial (report written; the reason on stderr), 130 interrupted.
`;
