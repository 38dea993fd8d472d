import { test } from "node:test";
import assert from "node:assert/strict";
import { CheckpointConfigError } from "../../../src/checkpoint/errors.js";
import { openCheckpointer } from "../../../src/checkpoint/open.js";
import { parsePostgresUri, scrub } from "../../../src/checkpoint/postgres-uri.js";

test("masks the password and fills in the default port", () => {
  const target = parsePostgresUri("postgres://user:s3cret@db.example:5433/research");
  assert.equal(target.masked, "postgres://user:***@db.example:5433/research");
  assert.equal(parsePostgresUri("postgresql://user:s3cret@db.example/research").masked, "postgresql://user:***@db.example:5432/research");
});

test("a URI without a password shows no mask, and the database defaults to the user", () => {
  const target = parsePostgresUri("postgres://fanout@localhost");
  assert.equal(target.masked, "postgres://fanout@localhost:5432/fanout");
  assert.equal(target.database, "fanout");
});

test("scrub removes raw and percent-decoded passwords", () => {
  const target = parsePostgresUri("postgres://u:p%40ss@h/d");
  assert.equal(scrub("bad p@ss and p%40ss", target.secrets), "bad *** and ***");
});

for (const [name, uri] of [
  ["not a URL", "s3cret not a url"],
  ["wrong scheme", "mysql://u:s3cret@h:3306/d"],
  ["no host", "postgres://u:s3cret@/d"],
] as const) {
  test(`bad URI (${name}) is a CheckpointConfigError without the password`, async () => {
    await assert.rejects(openCheckpointer({ postgresUri: uri }), (error: unknown) => {
      assert.ok(error instanceof CheckpointConfigError);
      assert.equal(error.reason, "bad-uri");
      assert.ok(!error.message.includes("s3cret"), error.message);
      assert.ok(!String(error.cause ?? "").includes("s3cret"));
      return true;
    });
  });
}

test("a schema name that could break the saver's SQL is refused", async () => {
  await assert.rejects(
    openCheckpointer({ postgresUri: "postgres://u@127.0.0.1:1/d", schema: 'x"; DROP TABLE y; --' }),
    (error: unknown) => error instanceof CheckpointConfigError && error.reason === "bad-schema",
  );
});

test("driver errors map to reasons, and a password quoted by the driver is scrubbed", async () => {
  const { describePgError } = await import("../../../src/checkpoint/postgres-errors.js");
  const target = parsePostgresUri("postgres://fanout:s3cret@db.example:5432/research");
  const auth = describePgError(Object.assign(new Error('password authentication failed for user "fanout"'), { code: "28P01" }), target, 3000);
  assert.equal(auth.reason, "auth-failed");
  assert.match(auth.message, /^Cannot open Postgres checkpoints at postgres:\/\/fanout:\*\*\*@db\.example:5432\/research: password authentication failed/);
  const odd = describePgError(new Error("weird failure near 's3cret'"), target, 3000);
  assert.equal(odd.reason, "server-error");
  assert.ok(!odd.message.includes("s3cret") && !(odd.cause as Error).message.includes("s3cret"), odd.message);
});
