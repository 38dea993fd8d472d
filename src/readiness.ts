import { resolve } from "node:path";
import { searchProviders, type Configuration } from "./config.js";
import { parseMcpServers } from "./mcp/config.js";
import { checkModelCredentials, loadModelProviders } from "./models.js";
import { createSearchBackend } from "./search/tool.js";
import { describeFolderIndex } from "./search/index/localIndex.js";
import { LocalCorpusError } from "./search/local/errors.js";
import { createLocalSearch } from "./search/local/index.js";
import { assertDirectory } from "./search/local/scan.js";

/**
 * What a run needs before its first step, checked before any work starts or anything is stored
 * (the CLI before a run, the server before it takes one), so a mistake costs nothing and is named:
 * each model's provider package and credentials, the search backend (its key or address), the MCP
 * servers' settings, and a local corpus folder that exists and holds something to search.
 * Throws a ConfigurationError or LocalCorpusError saying what is wrong. With `scanCorpus: false`
 * (the server, on every run request, whose client picks the folder) only that the folder is there
 * is checked, not what it holds: listing a large folder per request would cost more than the check saves.
 */
export async function checkRunReady(configuration: Configuration, options: { scanCorpus?: boolean } = {}): Promise<void> {
  const models = [configuration.research_model, configuration.summarization_model, configuration.compression_model, configuration.final_report_model];
  checkModelCredentials(models);
  await loadModelProviders(models);
  createSearchBackend(configuration);
  parseMcpServers(configuration.mcp_servers);
  // A missing or empty folder would otherwise only show as failed searches and a report with no sources.
  // Only names and sizes are checked: the files are read and indexed by the run's first search.
  // A folder with a `fanout index` index is searched there, so it is not looked at now.
  const local = searchProviders(configuration.search_api).includes("local");
  if (!local || describeFolderIndex(configuration.local_corpus_path)) return;
  if (options.scanCorpus === false) {
    if (!configuration.local_corpus_path.trim()) throw new LocalCorpusError(configuration.local_corpus_path, "not_configured");
    await assertDirectory(resolve(configuration.local_corpus_path));
  } else await createLocalSearch(configuration.local_corpus_path).check();
}
