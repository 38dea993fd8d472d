import { configurationFromEnv, parseConfiguration, searchProviders } from "../config.js";
import { describeFolderIndex } from "../search/index/localIndex.js";
import { createLocalSearch, describeCorpus } from "../search/local/index.js";

/**
 * The progress line about the folder a local search covers, e.g.
 * "local corpus: 120 files indexed, 3 skipped (2 over 5 MB, 1 binary)",
 * so files left out are not left out silently. Undefined for other searches.
 */
export async function describeLocalCorpus(settings: Record<string, string>): Promise<string | undefined> {
  const configuration = parseConfiguration({ ...configurationFromEnv(), ...settings }, "--set");
  if (!searchProviders(configuration.search_api).includes("local")) return undefined;
  const indexed = describeFolderIndex(configuration.local_corpus_path);
  if (indexed) return `local index: ${indexed}`;
  // The index was built by the preflight; this only re-checks the folder for changes.
  return `local corpus: ${describeCorpus(await createLocalSearch(configuration.local_corpus_path).summary())}`;
}
