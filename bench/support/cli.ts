import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT } from "../../test/support/cli.js";
import { CORPUS } from "../../test/support/harness.js";
import { reachablePostgres, redact } from "./postgres.js";

/** Settings every CLI bench run uses: the fixture corpus, no clarifying question. */
export const RESEARCH = ["--set", "search_api=local", "--set", `local_corpus_path=${CORPUS}`, "--set", "allow_clarification=false"];

const COMPILED = path.join(ROOT, "dist", "cli", "main.cjs");
/** The V8 code cache bin/fanout.js keeps beside the bundle (written by the first run after a build). */
export const CODE_CACHE = `${COMPILED}.cache`;

function newestMtime(folder: string): number {
  let newest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** The CLI benches run bin/fanout.js, which loads the bundle in dist/cli/: rebuild it when src/ or graphs/ is newer. */
export function ensureBuilt(): void {
  let built = 0;
  try {
    built = statSync(COMPILED).mtimeMs;
  } catch {
    // not built yet
  }
  const sources = Math.max(newestMtime(path.join(ROOT, "src")), newestMtime(path.join(ROOT, "graphs")));
  if (built >= sources) return;
  console.error("[bench] dist/ is older than src/: running the build (tsc, then scripts/bundle.mjs)");
  const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
  for (const args of [[tsc, "-p", "tsconfig.build.json"], [path.join(ROOT, "scripts", "bundle.mjs")]]) {
    const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: "inherit" });
    if (result.status !== 0) throw new Error("the build failed; fix it or run `npm run build` and look at the errors");
  }
}

/** Where a CLI bench keeps runs: a fresh embedded store, or a Postgres schema of its own. */
export type CliStore = { name: "embedded SQLite" | "PostgreSQL"; env: Record<string, string | undefined>; schema?: string; uri?: string };

export async function cliStores(tag: string): Promise<{ stores: CliStore[]; note: string }> {
  const embedded: CliStore = {
    name: "embedded SQLite",
    env: { POSTGRES_URI: undefined, FANOUT_HOME: mkdtempSync(path.join(tmpdir(), `fanout-bench-${tag}-`)) },
  };
  const postgres = await reachablePostgres();
  if (!postgres.uri) return { stores: [embedded], note: `PostgreSQL skipped: ${postgres.reason}.` };
  const schema = `fanout_bench_${tag}_${process.pid}`;
  return {
    stores: [embedded, { name: "PostgreSQL", env: { POSTGRES_URI: postgres.uri, FANOUT_PG_SCHEMA: schema }, schema, uri: postgres.uri }],
    note: `PostgreSQL is the local server at \`${redact(postgres.uri)}\`.`,
  };
}
