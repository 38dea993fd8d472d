import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { startStandIn, type StandIn } from "../../standin/server.js";
import { dropStore, runCli, startCli, stores, type CliResult, type Store } from "../../support/cli.js";
import { assertReport, assertUsageError, RESEARCH } from "./common.js";

/** Every file under a folder (the SQLite file, its -wal and -shm), as text that keeps ASCII bytes as they are. */
function folderBytes(folder: string): string {
  return readdirSync(folder, { recursive: true, encoding: "utf8" })
    .map((name) => path.join(folder, name))
    .filter((file) => statSync(file, { throwIfNoEntry: false })?.isFile())
    .map((file) => `${file}\n${readIfThere(file)}`)
    .join("\n");
}

/** The -shm and -wal files may go away between listing and reading while a run is closing. */
function readIfThere(file: string): string {
  try {
    return readFileSync(file).toString("latin1");
  } catch {
    return "";
  }
}

/** Every row of every table in the store's schema as text, bytea columns decoded as well. */
async function schemaText(store: Store): Promise<string> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: store.env.POSTGRES_URI });
  await client.connect();
  try {
    const schema = store.env.FANOUT_PG_SCHEMA!;
    const tables = (await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = $1", [schema])).rows;
    assert.ok(tables.length >= 3, "the checkpoint tables exist");
    const out: string[] = [];
    for (const { table_name: table } of tables) {
      const name = `"${schema}"."${table}"`;
      out.push(...(await client.query<{ row: string }>(`SELECT t::text AS row FROM ${name} t`)).rows.map((r) => r.row));
      const binary = await client.query<{ column_name: string }>(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND data_type = 'bytea'",
        [schema, table],
      );
      for (const { column_name: column } of binary.rows) {
        const decoded = await client.query<{ text: string | null }>(`SELECT encode("${column}", 'escape') AS text FROM ${name}`);
        out.push(...decoded.rows.map((r) => r.text ?? ""));
      }
    }
    return out.join("\n");
  } finally {
    await client.end();
  }
}

describe("API keys never reach output or the store", { concurrency: true }, () => {
  for (const store of stores()) {
    describe(store.name, { concurrency: 1 }, () => {
      const openaiKey = `sk-canary-${randomBytes(12).toString("hex")}`;
      const tavilyKey = `tvly-canary-${randomBytes(12).toString("hex")}`;
      // Stored for sure (it is in the question): proves the searches below can see what was saved.
      const marker = `marker${randomBytes(6).toString("hex")}`;
      const thread = `secrets-${store.name}-${Date.now()}`;
      const results: CliResult[] = [];
      let midRunFiles = "";
      let standin: StandIn;
      let env: Record<string, string | undefined>;
      const cli = async (args: string[]) => {
        const result = await runCli(args, { env });
        results.push(result);
        return result;
      };

      before(async () => {
        standin = await startStandIn({ latencyMs: 2, units: 2 });
        env = { ...store.env, OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: openaiKey, TAVILY_API_KEY: tavilyKey };
      });
      after(async () => {
        await standin.close();
        await dropStore(store);
      });

      test("a full run, --json, threads and show, with keys in the environment", async () => {
        const run = startCli(["--thread", thread, `How does tidal power generate electricity? (${marker})`, ...RESEARCH, "--json"], { env });
        // While the process runs the WAL holds the newest writes; take the folder as it is mid-run too.
        if (store.name === "embedded") void run.stderrLines((line) => line.includes("unit finished")).then(() => (midRunFiles = folderBytes(store.env.FANOUT_HOME!)));
        const result = await run.done;
        results.push(result);
        assert.equal(result.code, 0, result.stderr);
        assertReport((JSON.parse(result.stdout) as { report: string }).report);

        const [threadsJson, show] = await Promise.all([cli(["threads", "--json"]), cli(["show", thread])]);
        for (const other of [threadsJson, show]) assert.equal(other.code, 0, other.stderr);
        assert.ok(show.stdout.includes(marker) && threadsJson.stdout.includes(marker), "the question is shown");
      });

      // These stop before the store is opened, so once is enough.
      test("a key given with --set is refused without being echoed", { skip: store.name !== "embedded" && "the same check as embedded" }, async () => {
        const question = "How does tidal power generate electricity?";
        const [asSetting, asModel, bare] = await Promise.all([
          cli([question, ...RESEARCH, "--set", `openai_api_key=${openaiKey}`]),
          cli([question, ...RESEARCH, "--set", `research_model=${openaiKey}`]),
          cli([question, ...RESEARCH, "--set", tavilyKey]),
        ]);
        assertUsageError(asSetting, /unknown --set key "openai_api_key"/);
        assertUsageError(asModel, /bad value \(hidden: it looks like a secret\) for "research_model"/);
        assertUsageError(bare, /--set takes key=value, got \(hidden/);
      });

      // Some services put the key they were sent into their error text; that text reaches
      // tool messages, progress lines, failure messages and checkpointed errors.
      test("a search service and a model that echo the key in their errors", async () => {
        const echoing = await startStandIn({
          latencyMs: 2,
          units: 2,
          // A researcher's second turn (after its search) is refused, echoing the key.
          behaviour: (request) =>
            request.role === "researcher" && request.messages.some((m) => m.role === "tool")
              ? { status: 401, message: "Incorrect API key provided", echoKey: true }
              : undefined,
        });
        try {
          echoing.tavily.rejectKeys();
          const echoEnv = { ...env, OPENAI_BASE_URL: echoing.url, TAVILY_API_BASE_URL: echoing.tavilyUrl };
          const tavilyRun = await runCli(
            ["--thread", `${thread}-echo`, "How does tidal power generate electricity?", "--set", "search_api=tavily", "--set", "allow_clarification=false"],
            { env: echoEnv },
          );
          results.push(tavilyRun);
          // Every search was refused, so the report is partial (exit 4), and says why without the key.
          assert.equal(tavilyRun.code, 4, tavilyRun.stderr);
          assert.match(tavilyRun.stderr, /tool web_search failed/);
          assert.match(tavilyRun.stderr, /partial report: every search failed: Tavily error 401: .*\[redacted\]/);
          assert.ok(
            echoing.tavily.calls().length > 0 && echoing.tavily.calls().every((call) => call.status === 401 && call.apiKey === tavilyKey),
            "Tavily was sent the key and refused it",
          );
          assert.ok((echoing.stats().byStatus["401"] ?? 0) > 0, "the model refused some calls, echoing the key");

          // Every model call refused: the run fails and says why.
          echoing.configure({ behaviour: () => ({ status: 401, message: "Incorrect API key provided", echoKey: true }) });
          const failed = await runCli(["--thread", `${thread}-refused`, "How does tidal power generate electricity?", ...RESEARCH], { env: echoEnv });
          results.push(failed);
          assert.equal(failed.code, 1, failed.stderr);
          assert.match(failed.stderr, /the run failed: .*Incorrect API key provided/);
          results.push(await runCli(["show", `${thread}-refused`], { env: echoEnv }));
        } finally {
          await echoing.close();
        }
      });

      test("no canary in any output, the store's files or rows", async () => {
        assert.ok(results.length >= (store.name === "embedded" ? 9 : 6), "the runs above happened");
        const outputs = results.map((r) => `${r.stdout}\n${r.stderr}`).join("\n");
        const stored = store.name === "embedded" ? `${midRunFiles}\n${folderBytes(store.env.FANOUT_HOME!)}` : await schemaText(store);
        if (store.name === "embedded") assert.match(midRunFiles, /-wal\n/, "the mid-run copy includes the WAL");
        assert.ok(stored.includes(marker), "the search sees stored run data");
        for (const [where, text] of Object.entries({ outputs, stored })) {
          for (const canary of [openaiKey, tavilyKey]) {
            const at = text.indexOf(canary);
            assert.equal(at, -1, `${canary} found in ${where}: …${text.slice(Math.max(0, at - 200), at + 60)}…`);
          }
          // A partial echo (a key cut short, or with its prefix masked) still gives most of its random part away.
          for (const canary of [openaiKey, tavilyKey]) assert.ok(!text.includes(canary.slice(-18, -2)), `part of ${canary} found in ${where}`);
        }
      });
    });
  }
});
