import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { AIMessage, ToolMessage } from "@langchain/core/messages";
import { emptyCheckpoint } from "@langchain/langgraph";
import Database from "better-sqlite3";
import { redactSecrets, secretValues, REDACTED } from "../../src/secrets.js";
import { redactingSaver } from "../../src/checkpoint/redact.js";
import { LeanSqliteSaver } from "../../src/checkpoint/sqlite-saver.js";
import { redactWrites } from "../../src/cli/redactOutput.js";
import { failFast } from "../../src/modelFailures.js";

const KEY = "sk-unit-canary-0123456789abcdef";

describe("which values are secrets", () => {
  test("secret-named variables and passwords inside URLs, never short or ordinary values", () => {
    const secrets = secretValues({
      OPENAI_API_KEY: KEY,
      TAVILY_API_KEY: " tvly-unit-canary-0123 ",
      MY_SERVICE_TOKEN: "token-value-0123",
      POSTGRES_URI: "postgres://fanout:pg-password-0123@db.example:5432/runs",
      OPENAI_BASE_URL: "http://127.0.0.1:8080/v1",
      DB_PASSWORD: "short",
      HOME: "/home/someone-with-a-long-name",
    });
    assert.deepEqual(new Set(secrets), new Set([KEY, "tvly-unit-canary-0123", "token-value-0123", "pg-password-0123"]));
  });

  test("redaction replaces a secret as written, JSON-escaped and URL-encoded", () => {
    const odd = 'key-with-"quote"-and/slash';
    const text = `plain ${KEY}; json ${JSON.stringify(odd)}; url ?k=${encodeURIComponent(odd)}`;
    const redacted = redactSecrets(text, [KEY, odd]);
    assert.equal(redacted, `plain ${REDACTED}; json "${REDACTED}"; url ?k=${REDACTED}`);
    assert.equal(redactSecrets("nothing to hide", [KEY]), "nothing to hide");
  });
});

describe("the checkpointer's serializer", () => {
  test("nothing a saver writes holds a secret: checkpoints, writes (a failed step's error) and metadata", async () => {
    const saver = redactingSaver(new LeanSqliteSaver(new Database(":memory:")), [KEY]);
    const config = { configurable: { thread_id: "t", checkpoint_ns: "" } };
    const checkpoint = emptyCheckpoint();
    checkpoint.channel_values = { messages: [new AIMessage(`the model said: Incorrect API key ${KEY}`)] };
    const saved = await saver.put(config, checkpoint, { source: "loop", step: 0, parents: {}, note: `key ${KEY}` } as never);
    await saver.putWrites(
      saved,
      [
        ["messages", new ToolMessage({ content: `Tavily error 401: invalid API key ${KEY}`, tool_call_id: "1" })],
        ["__error__", { message: `401 ${KEY}`, name: "Error" }],
      ],
      "task-1",
    );

    const db = (saver as unknown as { db: { prepare(sql: string): { all(): Record<string, unknown>[] } } }).db;
    const stored = ["checkpoints", "writes"]
      .flatMap((table) => db.prepare(`SELECT * FROM ${table}`).all())
      .map((row) =>
        Object.values(row)
          .map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : String(v)))
          .join(" "),
      )
      .join("\n");
    assert.ok(stored.includes("Incorrect API key") && stored.includes("Tavily error 401"), "the rows were read");
    assert.ok(!stored.includes(KEY), stored);
    assert.ok(stored.includes(REDACTED));

    const tuple = await saver.getTuple(config);
    assert.match(JSON.stringify(tuple?.checkpoint.channel_values), /Incorrect API key \[redacted\]/, "what is read back is the redacted text");
  });
});

describe("what the CLI prints", () => {
  test("stdout and stderr writes lose secrets, in strings and in buffers", async () => {
    const stream = new PassThrough();
    redactWrites(stream, [KEY]);
    redactWrites(stream, [KEY]); // guarding twice changes nothing
    stream.write(`fanout: the run failed: 401 Incorrect API key provided: ${KEY}\n`);
    stream.write(Buffer.from(`[LANGSMITH] ${KEY}\n`));
    stream.end();
    const text = (await stream.toArray()).map(String).join("");
    assert.equal(text, `fanout: the run failed: 401 Incorrect API key provided: ${REDACTED}\n[LANGSMITH] ${REDACTED}\n`);
  });
});

describe("a model's failed attempts", () => {
  test("an error that echoes the key loses it from its message and stack before anyone reads it", () => {
    process.env.FANOUT_UNIT_TEST_API_KEY = KEY;
    try {
      const error = Object.assign(new Error(`401 Incorrect API key provided: ${KEY}`), { status: 401 });
      assert.throws(() => failFast("http://127.0.0.1:1/v1", 1)(error));
      assert.ok(!error.message.includes(KEY) && !String(error.stack).includes(KEY), error.stack);
    } finally {
      delete process.env.FANOUT_UNIT_TEST_API_KEY;
    }
  });
});
