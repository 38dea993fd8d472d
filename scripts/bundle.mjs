// Bundles the CLI into dist/cli/ with esbuild, so `fanout` starts from a few files instead of
// resolving and compiling ~1,000 modules one by one (Node 20 has no module compile cache).
// Lazy imports stay lazy: each `await import()` in the CLI becomes a chunk loaded when needed.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${root}dist/cli`;

/**
 * zod's index re-exports all of its ~50 message locales (`z.locales`, ~370 KB bundled), which
 * every start would parse; Fanout only uses English, the default, which zod imports on its own.
 * BUNDLE_ALL_LOCALES=1 npm run build keeps them all (to check that a zod upgrade still bundles).
 */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: "zod-locales", namespace: "zod-english-only" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "zod-english-only" }, () => ({
      contents: 'export { default as en } from "zod/v4/locales/en.js";',
      resolveDir: root,
      loader: "js",
    }));
  },
};

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
  plugins: process.env.BUNDLE_ALL_LOCALES ? [] : [zodEnglishOnly],
  logLevel: "warning",
});
