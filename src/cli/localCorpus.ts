import { configurationFromEnv, parseConfiguration, searchProviders, type Configuration } from "../config.js";
import { describeFolderIndex } from "../search/index/localIndex.js";
import { createLocalSearch, describeCorpus } from "../search/local/index.js";
import { countOf } from "../util/plural.js";

/** The run's configuration when it searches a local folder, else undefined. */
function localConfiguration(settings: Record<string, string>): Configuration | undefined {
  const configuration = parseConfiguration({ ...configurationFromEnv(), ...settings }, "--set");
  return searchProviders(configuration.search_api).includes("local") ? configuration : undefined;
}

/**
 * The progress line about the folder a local search covers, before the run, e.g.
 * "local corpus: 120 files, read on the first search". Only names and sizes are
 * looked at: parsing a large corpus would delay the first model call.
 * Undefined for other searches.
 */
export async function describeLocalCorpus(settings: Record<string, string>): Promise<string | undefined> {
  const configuration = localConfiguration(settings);
  if (!configuration) return undefined;
  const indexed = describeFolderIndex(configuration.local_corpus_path);
  if (indexed) return `local index: ${indexed}`;
  const { files, tooLarge } = await createLocalSearch(configuration.local_corpus_path).check();
  const skipped = tooLarge > 0 ? ` (${tooLarge} over 5 MB skipped)` : "";
  return `local corpus: ${countOf(files, "file")}, read on the first search${skipped}`;
}

/**
 * What the run's searches found in the folder, once they have read it, e.g.
 * "local corpus: 120 files indexed, 3 skipped (2 over 5 MB, 1 binary)",
 * so files left out are not left out silently. Undefined when no search read it.
 */
export function describeIndexedCorpus(settings: Record<string, string>): string | undefined {
  const configuration = localConfiguration(settings);
  const summary = configuration && createLocalSearch(configuration.local_corpus_path).indexedSummary();
  return summary && `local corpus: ${describeCorpus(summary)}`;
}
