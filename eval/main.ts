/**
 * `npm run eval`: runs the graph over a dataset and scores every report.
 *
 *   npm run eval -- [--limit N] [--dataset FILE]... [--set key=value]... [--compare key=value]...
 *                   [--results DIR] [--local]
 *
 * Without --dataset it runs test/eval/*.jsonl over a corpus of the installed
 * packages' READMEs (built now, in a temporary folder). Models and settings come
 * from FANOUT_* variables and --set, as for any run; `judge_model` adds
 * model-judged scores; --compare runs every question a second time with those
 * settings changed (side B) and, with a judge, asks which report is better.
 * With LANGSMITH_API_KEY set (and no --local) the runs go through LangSmith's
 * evaluate(); otherwise results go to eval-results/<timestamp>/.
 */
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { checkpointOptionsFromEnv, openCheckpointer } from "../src/checkpoint/index.js";
import { configurationFromEnv, configurationFromPairs, parseConfiguration, type Configuration } from "../src/config.js";
import { checkModelCredentials } from "../src/models.js";
import { redactWrites } from "../src/cli/redactOutput.js";
import { packageRoot } from "../src/util/packageRoot.js";
import { describeError } from "../src/util/errors.js";
import { buildReadmeCorpus } from "./corpus.js";
import { loadDataset, type EvalItem } from "./dataset.js";
import { computedScores, type RunOutput, type Score } from "./evaluators.js";
import { judgedScores, pairwiseVerdict } from "./judge.js";
import { ResultsFolder, scoreMap, summaryMarkdown, type PairwiseLine, type ResultLine } from "./results.js";
import { runQuestion } from "./run.js";

export type EvalOptions = {
  limit?: number;
  datasets: string[];
  settings: Record<string, string>;
  /** Settings changed for side B of a pairwise evaluation. */
  compare?: Record<string, string>;
  resultsRoot: string;
  local: boolean;
  log: (line: string) => void;
};

export function parseEvalArgs(argv: string[], cwd = process.cwd()): Omit<EvalOptions, "log"> {
  const { values } = parseArgs({
    args: argv,
    options: {
      limit: { type: "string" },
      dataset: { type: "string", multiple: true },
      set: { type: "string", short: "s", multiple: true },
      compare: { type: "string", multiple: true },
      results: { type: "string" },
      local: { type: "boolean" },
    },
    strict: true,
  });
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) throw new Error(`--limit takes a whole number of questions, at least 1 (got ${values.limit})`);
  const own = path.join(packageRoot(), "test", "eval");
  return {
    limit,
    datasets:
      values.dataset?.map((file) => path.resolve(cwd, file)) ??
      readdirSync(own)
        .filter((name) => name.endsWith(".jsonl"))
        .sort()
        .map((name) => path.join(own, name)),
    settings: configurationFromPairs(values.set ?? []),
    compare: values.compare ? configurationFromPairs(values.compare) : undefined,
    resultsRoot: path.resolve(cwd, values.results ?? "eval-results"),
    local: values.local ?? false,
  };
}

/** Runs an evaluation; returns the results folder (local) and whether every run produced a report. */
export async function runEvaluation(options: EvalOptions): Promise<{ folder?: string; failed: number }> {
  const items = loadDataset(options.datasets).slice(0, options.limit);
  if (items.length === 0) throw new Error(`no questions in ${options.datasets.join(", ")}`);
  const ownDataset = options.datasets.every((file) => file.startsWith(path.join(packageRoot(), "test", "eval")));
  const userSetSearch = "search_api" in options.settings || "search_api" in configurationFromEnv();
  const corpus = ownDataset && !userSetSearch ? buildReadmeCorpus(path.join(packageRoot(), "node_modules")) : undefined;
  try {
    const base: Record<string, string> = {
      allow_clarification: "false",
      ...(corpus ? { search_api: "local", local_corpus_path: corpus.folder } : {}),
      ...options.settings,
    };
    const sides: Record<string, Record<string, string>> = options.compare ? { A: base, B: { ...base, ...options.compare } } : { A: base };
    const configurations = Object.fromEntries(Object.entries(sides).map(([side, settings]) => [side, checkedConfiguration(settings)]));
    if (corpus) options.log(`corpus: ${corpus.documents} package READMEs from node_modules`);
    if (process.env.LANGSMITH_API_KEY?.trim() && !options.local) {
      const { evaluateWithLangSmith } = await import("./langsmith.js");
      return await evaluateWithLangSmith(items, sides, configurations, options);
    }
    return await evaluateLocally(items, sides, configurations, options, corpus?.documents);
  } finally {
    if (corpus) rmSync(corpus.folder, { recursive: true, force: true });
  }
}

/** Settings checked, and every model's key present, before the first question runs. */
function checkedConfiguration(settings: Record<string, string>): Configuration {
  const configuration = parseConfiguration({ ...configurationFromEnv(), ...settings }, "--set");
  const models = [configuration.research_model, configuration.summarization_model, configuration.compression_model, configuration.final_report_model];
  checkModelCredentials(configuration.judge_model ? [...models, configuration.judge_model] : models);
  return configuration;
}

/** Computed scores, plus the judge's when judge_model is set; a judge that fails is a comment, not a crash. */
export async function scoreRun(item: EvalItem, output: RunOutput, configuration: Configuration): Promise<Score[]> {
  const scores = computedScores(output, item.aspects);
  if (!configuration.judge_model || !output.report) return scores;
  try {
    return [...scores, ...(await judgedScores(item.question, output, configuration))];
  } catch (error) {
    return [...scores, { key: "quality", score: null, comment: `the judge failed: ${describeError(error)}` }];
  }
}

async function evaluateLocally(
  items: EvalItem[],
  sides: Record<string, Record<string, string>>,
  configurations: Record<string, Configuration>,
  options: EvalOptions,
  corpusDocuments?: number,
): Promise<{ folder: string; failed: number }> {
  const startedAt = new Date();
  const results = new ResultsFolder(options.resultsRoot, startedAt);
  const stamp = startedAt
    .toISOString()
    .replace(/[-:.TZ]/g, "")
    .slice(0, 14);
  const opened = await openCheckpointer(checkpointOptionsFromEnv(process.env));
  const lines: ResultLine[] = [];
  const pairwise: PairwiseLine[] = [];
  const paired = Object.keys(sides).length > 1;
  try {
    for (const [index, item] of items.entries()) {
      const reports: Record<string, string> = {};
      for (const [side, settings] of Object.entries(sides)) {
        const threadId = `eval-${stamp}-${item.id}${paired ? `-${side}` : ""}`;
        options.log(`[${index + 1}/${items.length}]${paired ? ` ${side}` : ""} ${item.id}: ${item.question}`);
        const output = await runQuestion(opened.saver, item.question, threadId, settings);
        const scores = await scoreRun(item, output, configurations[side]);
        const line: ResultLine = {
          id: item.id,
          ...(paired ? { side: side as "A" | "B" } : {}),
          question: item.question,
          thread_id: output.thread_id,
          status: output.status,
          reason: output.reason,
          ...scoreMap(scores),
          citations: output.citation_check,
          sources_retrieved: output.sources.length,
          words: output.report.split(/\s+/).filter(Boolean).length,
          duration_ms: output.duration_ms,
        };
        lines.push(line);
        results.add(line, output.report, item.question);
        reports[side] = output.report;
        options.log(
          `  ${output.status}${output.reason ? ` (${output.reason})` : ""}: ${scores.map((s) => `${s.key} ${s.score === null ? "–" : s.score.toFixed(2)}`).join(", ")}`,
        );
      }
      if (paired && configurations.A.judge_model && reports.A && reports.B) {
        const verdict = await pairwiseVerdict(item.question, reports.A, reports.B, index % 2 === 1, configurations.A).catch((error: unknown) => ({
          preferred: "tie" as const,
          reason: `the judge failed: ${describeError(error)}`,
        }));
        pairwise.push({ id: item.id, ...verdict });
        results.addPairwise({ id: item.id, ...verdict });
      }
    }
  } finally {
    await opened.close();
  }
  const details = [
    `started ${startedAt.toISOString()}, ${items.length} question${items.length === 1 ? "" : "s"} from ${options.datasets.map((file) => path.basename(file)).join(", ")}`,
    ...Object.entries(sides).map(
      ([side, settings]) =>
        `${paired ? `side ${side} ` : ""}settings: ${
          Object.entries(settings)
            .filter(([key]) => key !== "local_corpus_path")
            .map(([key, value]) => `${key}=${value}`)
            .join(", ") || "(defaults)"
        }`,
    ),
    `models: research ${configurations.A.research_model}, summaries ${configurations.A.summarization_model}, report ${configurations.A.final_report_model}, judge ${configurations.A.judge_model || "(none: computed scores only)"}`,
    ...(corpusDocuments !== undefined ? [`corpus: ${corpusDocuments} package READMEs from node_modules`] : []),
  ];
  const file = results.writeSummary(summaryMarkdown("Fanout evaluation", details, lines, pairwise));
  options.log(`results: ${path.relative(process.cwd(), file) || file}`);
  return { folder: results.folder, failed: lines.filter((line) => line.status === "failed").length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // Progress lines carry run errors, which can echo a key.
  redactWrites(process.stderr);
  redactWrites(process.stdout);
  try {
    const options = parseEvalArgs(process.argv.slice(2));
    const { failed } = await runEvaluation({ ...options, log: (line) => process.stderr.write(`${line}\n`) });
    process.exitCode = failed > 0 ? 1 : 0;
  } catch (error) {
    process.stderr.write(`eval: ${describeError(error)}\n`);
    process.exitCode = 2;
  }
}
