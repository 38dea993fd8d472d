import { readFileSync } from "node:fs";
import path from "node:path";
import { packageRoot } from "./util/packageRoot.js";

const loaded = new Map<string, string>();

/** The raw text of prompts/<name>.txt, read once. */
export function loadPrompt(name: string): string {
  const cached = loaded.get(name);
  if (cached !== undefined) return cached;
  const text = readFileSync(path.join(packageRoot(), "prompts", `${name}.txt`), "utf8");
  loaded.set(name, text);
  return text;
}

const PLACEHOLDER = /\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/gi;

/**
 * Fills {{placeholders}} in a prompt. A placeholder with no value, or a value
 * with no placeholder, is a bug in the caller, so both throw.
 */
export function renderPrompt(name: string, values: Record<string, string | number>): string {
  const template = loadPrompt(name);
  return renderTemplate(template, values, name);
}

export function renderTemplate(template: string, values: Record<string, string | number>, name = "template"): string {
  const used = new Set<string>();
  const missing: string[] = [];
  const rendered = template.replace(PLACEHOLDER, (_match, key: string) => {
    if (!(key in values)) {
      missing.push(key);
      return "";
    }
    used.add(key);
    return String(values[key]);
  });
  if (missing.length > 0) {
    throw new Error(`prompt "${name}" has no value for {{${[...new Set(missing)].join("}}, {{")}}}`);
  }
  const leftover = Object.keys(values).filter((key) => !used.has(key));
  if (leftover.length > 0) {
    throw new Error(`prompt "${name}" has no placeholder for ${leftover.join(", ")}`);
  }
  return rendered;
}
