// Bundles the CLI into dist/cli/ with esbuild, so `fanout` starts from a few files instead of
// resolving and compiling ~1,000 modules one by one (Node 20 has no module compile cache).
// Lazy imports stay lazy: each `await import()` in the CLI becomes a chunk loaded when needed.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${root}dist/cli`;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [`${root}src/cli/main.ts`],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // A native addon, found at run time by its own package; pg's optional native driver is never used.
  external: ["better-sqlite3", "pg-native"],
  // Bundled CommonJS packages call require() for Node's built-ins.
  banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  logLevel: "warning",
});
