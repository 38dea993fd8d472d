import path from "node:path";
import { Client } from "langsmith";
import { evaluate } from "langsmith/evaluation";
import type { Example } from "langsmith/schemas";
import { checkpointOptionsFromEnv, openCheckpointer } from "../src/checkpoint/index.js";
import type { Configuration } from "../src/config.js";
import type { EvalItem } from "./dataset.js";
import type { RunOutput } from "./evaluators.js";
import type { EvalOptions } from "./main.js";
import { scoreRun } from "./main.js";
import { runQuestion } from "./run.js";

/**
 * The evaluation through LangSmith's evaluate(): the dataset is created in
 * LangSmith on first use (named after the dataset files) and reused after,
 * gaining any questions it lacks; each side of the evaluation is one
 * experiment, and every question's run is traced under its thread id. The
 * same evaluators score the runs, as feedback on them.
 */
export async function evaluateWithLangSmith(
  items: EvalItem[],
  sides: Record<string, Record<string, string>>,
  configurations: Record<string, Configuration>,
  options: EvalOptions,
): Promise<{ failed: number }> {
  const client = new Client();
  const datasetName = `fanout-${options.datasets.map((file) => path.basename(file, ".jsonl")).join("+")}`;
  const examples = await syncDataset(client, datasetName, items);
  options.log(`LangSmith dataset ${datasetName}: ${examples.length} example${examples.length === 1 ? "" : "s"} in this run`);
  const byId = new Map(items.map((item) => [item.id, item]));
  const opened = await openCheckpointer(checkpointOptionsFromEnv(process.env));
  const stamp = new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, "")
    .slice(0, 14);
  let failed = 0;
  try {
    for (const [side, settings] of Object.entries(sides)) {
      const paired = Object.keys(sides).length > 1;
      const results = await evaluate(
        async (inputs: Record<string, unknown>, config?: { callbacks?: unknown }) => {
          const id = String(inputs.id);
          const output = await runQuestion(opened.saver, String(inputs.question), `eval-${stamp}-${id}${paired ? `-${side}` : ""}`, settings, config?.callbacks as never);
          if (output.status === "failed") failed += 1;
          options.log(`${paired ? `${side} ` : ""}${id}: ${output.status}${output.reason ? ` (${output.reason})` : ""}`);
          return output;
        },
        {
          data: examples,
          client,
          experimentPrefix: `fanout${paired ? `-${side}` : ""}`,
          description: `Fanout over ${datasetName}`,
          metadata: { fanout_settings: visibleSettings(settings), side },
          maxConcurrency: 1,
          evaluators: [
            async ({ outputs, inputs }: { outputs: Record<string, unknown>; inputs: Record<string, unknown> }) => {
              const item = byId.get(String(inputs.id))!;
              return { results: await scoreRun(item, outputs as RunOutput, configurations[side]) };
            },
          ],
        },
      );
      options.log(`experiment ${results.experimentName}`);
    }
  } finally {
    await opened.close();
    await client.awaitPendingTraceBatches();
  }
  return { failed };
}

/** The dataset's examples for these items, adding the ones LangSmith does not have yet. */
async function syncDataset(client: Client, datasetName: string, items: EvalItem[]): Promise<Example[]> {
  const dataset = (await client.hasDataset({ datasetName }))
    ? await client.readDataset({ datasetName })
    : await client.createDataset(datasetName, { description: "Fanout evaluation questions, each with the aspects a good answer covers" });
  const existing: Example[] = [];
  for await (const example of client.listExamples({ datasetId: dataset.id })) existing.push(example);
  const known = new Set(existing.map((example) => String(example.inputs.id)));
  const missing = items.filter((item) => !known.has(item.id));
  if (missing.length > 0) {
    existing.push(
      ...(await client.createExamples(
        missing.map((item) => ({ dataset_id: dataset.id, inputs: { id: item.id, question: item.question }, outputs: { aspects: item.aspects } })),
      )),
    );
  }
  const wanted = new Set(items.map((item) => item.id));
  return existing.filter((example) => wanted.has(String(example.inputs.id)));
}

/** Settings as shown in LangSmith: the corpus folder is a temporary path and says nothing. */
function visibleSettings(settings: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(settings).filter(([key]) => key !== "local_corpus_path"));
}
