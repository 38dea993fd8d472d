// Runs the node:test suites: every *.test.ts under the folders (or files) given, by default the
// three tiers below. Node 20 has no --test globs, so this finds the files. The conformance suite
// runs under Vitest instead (npm run test:conformance).
//   node scripts/test.mjs                          unit, stand-in and integration tests
//   node scripts/test.mjs test/unit test/standin   npm run test:unit (no build needed)
//   node scripts/test.mjs test/integration         npm run test:int (needs npm run build)
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

const TIERS = ["test/unit", "test/standin", "test/integration"];

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "fixtures" ? [] : findTests(full);
    return entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

const roots = process.argv.length > 2 ? process.argv.slice(2) : TIERS;
const files = roots.flatMap((root) => (statSync(root).isDirectory() ? findTests(root) : [root])).sort();
if (files.length === 0) {
  console.error(`no *.test.ts under ${roots.join(", ")}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...files], { stdio: "inherit" });
process.exit(result.status ?? 1);
