import { configurationFromEnv, configurationFromPairs, parseConfiguration } from "../config.js";
import { buildIndex, type IndexReport } from "../search/index/build.js";
import { createEmbedder } from "../search/index/embeddings.js";
import { describeCorpus } from "../search/local/summary.js";
import { countOf } from "../util/plural.js";
import type { CliArgs } from "./args.js";
import { EXIT, type CliIo } from "./io.js";

type IndexArgs = Extract<CliArgs, { command: "index" }>;

/**
 * `fanout index <folder>`: builds or updates the folder's persistent index,
 * embedding its chunks when embedding_model is set. Prints what it did; exits
 * 1 when embeddings were asked for and failed (the keyword index still works).
 */
export async function indexCommand(args: IndexArgs, io: CliIo): Promise<number> {
  const configuration = parseConfiguration({ ...configurationFromEnv(), ...configurationFromPairs(args.settings) }, "--set");
  const embedder = configuration.embedding_model ? createEmbedder(configuration.embedding_model) : undefined;
  const report = await buildIndex(args.folder, { embedder });
  if (args.json) io.stdout.write(`${JSON.stringify(report)}\n`);
  else io.stdout.write(`${describeIndex(report)}\n`);
  if (report.embeddingFailure) {
    io.stderr.write(`fanout: embeddings failed (${report.embeddingFailure}); the index is keyword-only until fanout index runs again\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
}

/** e.g. "index …: 120 files indexed, 2 skipped (2 over 5 MB); 3 read (117 unchanged, 1 removed); 840 chunks, 12 embedded with openai:…" */
export function describeIndex(report: IndexReport): string {
  const skippedCount = Object.values(report.skipped).reduce((sum, n) => sum + n, 0);
  const corpus = describeCorpus({ indexed: report.files - skippedCount, skipped: report.skipped });
  const changes = `${report.read} read (${report.unchanged} unchanged, ${report.removed} removed)`;
  const vectors = report.embeddingModel ? `${report.embedded} embedded with ${report.embeddingModel}` : "keyword-only (no embedding_model)";
  return `index ${report.file}: ${corpus}; ${changes}; ${countOf(report.chunks, "chunk")}, ${vectors}`;
}
