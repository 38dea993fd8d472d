import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCliArgs } from "../../../src/cli/args.js";
import { configCommand, effectiveSettings } from "../../../src/cli/configCommand.js";
import type { CliIo } from "../../../src/cli/io.js";

function capture(): { io: CliIo; text: () => string } {
  let text = "";
  const stdout = { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream;
  return { io: { stdout } as CliIo, text: () => text };
}

test("each setting's effective value names its origin: default, env or flag (later wins)", () => {
  const settings = effectiveSettings(["model_retries=5", "cache=false"], { FANOUT_MAX_MODEL_CONCURRENCY: "4", FANOUT_MODEL_RETRIES: "2" });
  const byKey = Object.fromEntries(settings.map((setting) => [setting.key, setting]));
  assert.deepEqual(byKey.max_model_concurrency, { key: "max_model_concurrency", value: 4, origin: "env", source: "FANOUT_MAX_MODEL_CONCURRENCY" });
  assert.deepEqual(byKey.model_retries, { key: "model_retries", value: 5, origin: "flag", source: "--set" });
  assert.equal(byKey.cache.value, false);
  assert.deepEqual(byKey.breaker_threshold, { key: "breaker_threshold", value: 8, origin: "default" });
});

test("fanout config masks secrets: keys, a Postgres password, a key pasted into a setting", () => {
  const { io, text } = capture();
  const env = {
    OPENAI_API_KEY: "sk-live-abcdefghijklmnopqrstuvwxyz123456",
    POSTGRES_URI: "postgres://fanout:hunter2secret@db.example:5432/runs",
    FANOUT_LOG_LEVEL: "debug",
  };
  assert.equal(configCommand(io, ["research_model=openai:sk-live-abcdefghijklmnopqrstuvwxyz123456"], true, env), 0);
  const shown = text();
  assert.ok(!shown.includes("abcdefghijklmnopqrstuvwxyz"), shown);
  assert.ok(!shown.includes("hunter2secret"));
  const parsed = JSON.parse(shown) as { environment: Record<string, string>; settings: Array<{ key: string; value: unknown }> };
  assert.equal(parsed.environment.OPENAI_API_KEY, "(set, hidden)");
  assert.equal(parsed.environment.POSTGRES_URI, "postgres://fanout:***@db.example:5432/runs");
  assert.equal(parsed.environment.FANOUT_LOG_LEVEL, "debug (in effect: debug)");
});

test("--no-cache is cache=false; `fanout config` takes --set and --json", () => {
  const run = parseCliArgs(["--no-cache", "a question about tides"]);
  assert.equal(run.command, "run");
  assert.deepEqual(run.command === "run" && run.settings, ["cache=false"]);
  assert.deepEqual(parseCliArgs(["config", "--set", "cache=false", "--json"]), { command: "config", settings: ["cache=false"], json: true });
});
