import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/** The folder holding package.json and prompts/, whether code runs from src/ or dist/src/. */
export function packageRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json")) || !existsSync(path.join(dir, "prompts"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find the fanout package root (package.json with prompts/)");
    dir = parent;
  }
  root = dir;
  return dir;
}
