// Runs every *.test.ts under test/ with node's own test runner (Node 20 has no --test globs).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "fixtures" ? [] : findTests(full);
    return entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

const filters = process.argv.slice(2);
const files = findTests("test").filter((file) => filters.length === 0 || filters.some((f) => file.includes(f))).sort();
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...files], { stdio: "inherit" });
process.exit(result.status ?? 1);
