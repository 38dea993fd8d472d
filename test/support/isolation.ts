/**
 * What scripts/test-lane.mjs resets between two test files sharing a process, so each file starts as
 * it would in a process of its own: the environment as the lane started, the process's limits read
 * afresh from it, no lanes, breakers or cached replies and search results left by the file before.
 */
import { responseCache } from "../../src/limits/cache.js";
import { resetLanes } from "../../src/limits/limitedFetch.js";
import { clearSearchCache } from "../../src/limits/searchCache.js";
import { forgetLimits } from "../../src/limits/settings.js";

const startingEnvironment = { ...process.env };

/** Puts back the variables the lane started with: files set keys and URLs at their top level. */
function restoreEnvironment(): void {
  for (const name of Object.keys(process.env)) if (!(name in startingEnvironment)) delete process.env[name];
  Object.assign(process.env, startingEnvironment);
}

/** Called by the lane before it imports each file. */
export function resetBetweenFiles(): void {
  restoreEnvironment();
  resetLanes();
  clearSearchCache();
  responseCache.clearMemory();
  responseCache.useStore(undefined);
  forgetLimits();
}
