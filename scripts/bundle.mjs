// Bundles the CLI into one CommonJS script, dist/cli/main.cjs, with esbuild, so `fanout` starts from
// one file instead of resolving and compiling ~1,000 modules one by one. A script, unlike an ES
// module, can be compiled with a V8 code cache on Node 20 (bin/fanout.js keeps one). Lazy imports
// stay lazy: esbuild evaluates an `await import()`ed module only when that import runs.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${root}dist/cli`;
/** What `import.meta.url` becomes in the script: the bundle's own URL, as it was for the ES module chunks. */
const IMPORT_META_URL = "__fanout_import_meta_url";

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

// Removing the folder also removes the code cache of the previous bundle.
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const common = { bundle: true, format: "cjs", platform: "node", target: "node20", logLevel: "warning", write: false };

const [bundle] = (
  await build({
    ...common,
    entryPoints: [`${root}src/cli/main.ts`],
    outfile: `${outdir}/main.cjs`,
    // A native addon, found at run time by its own package; pg's optional native driver is never used.
    external: ["better-sqlite3", "pg-native"],
    define: { "import.meta.url": IMPORT_META_URL },
    banner: { js: `const ${IMPORT_META_URL} = require("node:url").pathToFileURL(__filename).href;` },
    plugins: process.env.BUNDLE_ALL_LOCALES ? [] : [zodEnglishOnly],
  })
).outputFiles;
/**
 * esbuild escapes non-ASCII characters in strings but leaves them in comments and regular
 * expressions. One left anywhere makes V8 hold the whole 10 MB script as a two-byte string, which
 * costs ~40 ms to decode at every start; as \u escapes they mean the same in all three places (and
 * in identifiers), so the script is ASCII and bin/fanout.js reads it as such.
 */
const asciiOnly = (text) => text.replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);

const text = asciiOnly(bundle.text);
// The first line names this build by its content: bin/fanout.js keys the code cache by it, since V8
// itself only checks that cached code was made for a source of the same length.
writeFileSync(bundle.path, `// fanout-build ${createHash("sha256").update(text).digest("hex").slice(0, 32)}\n${text}`);

// The argument parser alone, so `fanout --help` is answered without reading the whole bundle.
const [front] = (await build({ ...common, entryPoints: [`${root}src/cli/front.ts`], outfile: `${outdir}/front.cjs` })).outputFiles;
writeFileSync(front.path, front.contents);
