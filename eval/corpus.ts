import { copyFileSync, existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const README_NAMES = ["README.md", "readme.md", "Readme.md", "README.markdown"];

/**
 * The evaluation corpus, built from what is on the machine: the README of
 * every package installed under `nodeModules`, copied into a fresh temporary
 * folder as `<package>.md` (`@scope/name` → `scope__name.md`). Nothing of it is
 * committed, and every machine that ran `npm ci` builds the same one.
 */
export function buildReadmeCorpus(nodeModules: string): { folder: string; documents: number } {
  const folder = mkdtempSync(path.join(tmpdir(), "fanout-eval-corpus-"));
  let documents = 0;
  for (const name of packageNames(nodeModules)) {
    const readme = README_NAMES.map((file) => path.join(nodeModules, name, file)).find((file) => existsSync(file));
    if (!readme) continue;
    copyFileSync(readme, path.join(folder, `${name.replace("/", "__")}.md`));
    documents += 1;
  }
  return { folder, documents };
}

function packageNames(nodeModules: string): string[] {
  return readdirSync(nodeModules, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("."))
    .flatMap((entry) =>
      entry.name.startsWith("@")
        ? readdirSync(path.join(nodeModules, entry.name), { withFileTypes: true })
            .filter((scoped) => scoped.isDirectory())
            .map((scoped) => `${entry.name}/${scoped.name}`)
        : [entry.name],
    );
}
