import { searchProviders, type Configuration } from "./config.js";
import { parseMcpServers } from "./mcp/config.js";
import { checkModelCredentials, loadModelProviders } from "./models.js";
import { createSearchBackend } from "./search/tool.js";
import { describeFolderIndex } from "./search/index/localIndex.js";
import { createLocalSearch } from "./search/local/index.js";

/**
 * What a run needs before its first step, checked before any work starts or anything is stored
 * (the CLI before a run, the server before it takes one), so a mistake costs nothing and is named:
 * each model's provider package and credentials, the search backend (its key or address), the MCP
 * servers' settings, and a local corpus folder that exists and holds something to search.
 * Throws a ConfigurationError or LocalCorpusError saying what is wrong.
 */
export async function checkRunReady(configuration: Configuration): Promise<void> {
  const models = [configuration.research_model, configuration.summarization_model, configuration.compression_model, configuration.final_report_model];
  checkModelCredentials(models);
  await loadModelProviders(models);
  createSearchBackend(configuration);
  parseMcpServers(configuration.mcp_servers);
  // A missing or empty folder would otherwise only show as failed searches and a report with no sources.
  // Only names and sizes are checked: the files are read and indexed by the run's first search.
  // A folder with a `fanout index` index is searched there, so it is not looked at now.
  const local = searchProviders(configuration.search_api).includes("local");
  if (local && !describeFolderIndex(configuration.local_corpus_path)) await createLocalSearch(configuration.local_corpus_path).check();
}
