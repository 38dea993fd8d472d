import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * Sets up this process for a stand-alone bench script: runs go to the embedded store in a fresh
 * temp folder (returned), and the response and search caches are off unless the environment
 * turns them on, since a cache would answer the repeated calls instead of the stand-in.
 */
export function isolatedBenchHome(prefix: string): string {
  const home = mkdtempSync(path.join(tmpdir(), prefix));
  process.env.FANOUT_HOME = home;
  delete process.env.POSTGRES_URI;
  process.env.FANOUT_CACHE ??= "false";
  process.env.FANOUT_SEARCH_CACHE_TTL_SECONDS ??= "0";
  return home;
}
