import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { startStandIn } from "../../standin/server.js";
import { ROOT } from "../../support/cli.js";
import { assertReport, CORPUS, embeddedEnv, listedSources, TEST_KEY } from "./common.js";

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string; bin: Record<string, string> };

/** npm with no registry traffic and no scripts: `prepare` would rebuild dist/ under the other tests' feet. */
function npm(args: string[], cwd: string) {
  return run("npm", [...args, "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd, env: { ...process.env, npm_config_loglevel: "error" } });
}

describe("the fanout command outside the checkout", () => {
  test("`npm install -g` of the checkout gives a fanout command that works from any folder", async (t) => {
    const prefix = mkdtempSync(path.join(tmpdir(), "fanout-global-"));
    const elsewhere = mkdtempSync(path.join(tmpdir(), "fanout-elsewhere-"));
    t.after(() => {
      rmSync(prefix, { recursive: true, force: true });
      rmSync(elsewhere, { recursive: true, force: true });
    });
    await npm(["install", "-g", "--prefix", prefix, ROOT], elsewhere);
    const fanout = path.join(prefix, "bin", "fanout");
    // The installed command's shebang finds node on PATH, as in a user's shell.
    const env = { ...process.env, ...embeddedEnv(), PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}` } as NodeJS.ProcessEnv;
    delete env.POSTGRES_URI;

    const help = await run(fanout, ["--help"], { cwd: elsewhere, env });
    assert.match(help.stdout, /^Usage:$/m);
    const version = await run(fanout, ["--version"], { cwd: elsewhere, env });
    assert.equal(version.stdout, `${pkg.version}\n`, "package.json is found from the installed location");

    // A short run in another folder: prompts load, and a relative corpus path is that folder's.
    cpSync(CORPUS, path.join(elsewhere, "corpus"), { recursive: true });
    const standin = await startStandIn({ latencyMs: 2, units: 1 });
    t.after(() => standin.close());
    const research = [
      "How does tidal power generate electricity?",
      "--set",
      "search_api=local",
      "--set",
      "local_corpus_path=./corpus",
      "--set",
      "allow_clarification=false",
    ];
    const result = await run(fanout, research, { cwd: elsewhere, env: { ...env, OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY } });
    assertReport(result.stdout);
    const cited = listedSources(result.stdout);
    assert.ok(cited.length > 0);
    for (const url of cited) assert.ok(decodeURIComponent(new URL(url).pathname).startsWith(path.join(elsewhere, "corpus")), url);
  });

  test("the package's files hold the command, the compiled code and bundle, package.json and every prompt, and no code cache", async () => {
    const { stdout } = await npm(["pack", "--dry-run", "--json"], ROOT);
    const packed = new Set((JSON.parse(stdout) as { files: { path: string }[] }[])[0].files.map((file) => file.path));
    const prompts = readdirSync(path.join(ROOT, "prompts")).map((name) => `prompts/${name}`);
    for (const needed of ["package.json", pkg.bin.fanout, "dist/cli/main.cjs", "dist/src/cli/main.js", "dist/graphs/deep_researcher.js", ...prompts]) {
      assert.ok(packed.has(needed.replace(/^\.\//, "")), `${needed} is in the package`);
    }
    // A cache made on this machine is for its build of the bundle; an install writes its own.
    assert.deepEqual(
      [...packed].filter((file) => file.endsWith(".cache")),
      [],
    );
  });
});
