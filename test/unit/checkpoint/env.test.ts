import { test } from "node:test";
import assert from "node:assert/strict";
import { checkpointOptionsFromEnv } from "../../../src/checkpoint/env.js";

test("maps the three variables", () => {
  const options = checkpointOptionsFromEnv({
    POSTGRES_URI: "postgres://u:p@h:5432/d",
    FANOUT_HOME: "/tmp/fanout-home",
    FANOUT_PG_SCHEMA: "runs",
  });
  assert.deepEqual(options, { postgresUri: "postgres://u:p@h:5432/d", home: "/tmp/fanout-home", schema: "runs" });
});

test("blank or missing values count as unset", () => {
  assert.deepEqual(checkpointOptionsFromEnv({ POSTGRES_URI: "  ", FANOUT_HOME: "" }), {});
  assert.deepEqual(checkpointOptionsFromEnv({}), {});
});
