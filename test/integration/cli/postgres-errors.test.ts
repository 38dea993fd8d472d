import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "../../support/cli.js";
import { assertUsageError, RESEARCH, TEST_KEY } from "./common.js";

const PASSWORD = "s3cret";
/** Nothing listens on port 1, and OPENAI_BASE_URL points nowhere: any model call would fail with exit 1, not 2. */
const NOWHERE = { OPENAI_BASE_URL: "http://127.0.0.1:9/v1", OPENAI_API_KEY: TEST_KEY, FANOUT_PG_SCHEMA: undefined };

// "Within 5 s" is a promise about opening the store, so test/unit/checkpoint/postgres-connect.test.ts times
// openCheckpointer in-process. Timed here, the bound would also take in process start-up on a busy machine.
describe("a Postgres store that cannot be opened exits 2, naming the server and never the password", { concurrency: true }, () => {
  const unreachable = `postgres://fanout:${PASSWORD}@127.0.0.1:1/nodb`;
  const commands = { "fanout threads": ["threads"], 'fanout "<question>"': ["How does tidal power generate electricity?", ...RESEARCH] };
  for (const [name, args] of Object.entries(commands)) {
    test(`unreachable server: ${name}`, async () => {
      const result = await runCli(args, { env: { ...NOWHERE, POSTGRES_URI: unreachable } });
      assertUsageError(result, /127\.0\.0\.1:1\b/);
      assert.match(result.stderr, /connection refused/);
      assert.ok(!result.stderr.includes(PASSWORD), result.stderr);
    });
  }

  const server = process.env.POSTGRES_URI;
  test("a database that does not exist on the real server", { skip: server ? false : "POSTGRES_URI is not set" }, async () => {
    const url = new URL(server!);
    const database = `fanout_no_such_db_${process.pid}`;
    url.pathname = `/${database}`;
    url.password = PASSWORD; // trust auth ignores it; it must still never be shown
    const result = await runCli(["threads"], { env: { ...NOWHERE, POSTGRES_URI: url.toString() } });
    assertUsageError(result, new RegExp(`database "${database}" does not exist`));
    assert.match(result.stderr, new RegExp(`${url.hostname}:${url.port || 5432}/${database}`));
    assert.ok(!result.stderr.includes(PASSWORD), result.stderr);
  });
});
