import { test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { parseByteaArray } from "../../../src/checkpoint/postgres-bytea.js";

const pgParser = pg.types.getTypeParser(1001 as Parameters<typeof pg.types.getTypeParser>[0], "text") as (text: string) => unknown;

test("bytea[] text is read as pg reads it: nested arrays, NULLs, empty arrays and elements", () => {
  const hex = (text: string) => `"\\\\x${Buffer.from(text).toString("hex")}"`;
  for (const text of [
    "{}",
    `{${hex("a")}}`,
    `{{${hex("task")},${hex("messages")},${hex("json")},${hex('{"a":"é ✓"}')}},{${hex("t2")},NULL,${hex("")},${hex("x")}}}`,
    `{NULL,NULL}`,
  ]) {
    assert.deepEqual(parseByteaArray(text), pgParser(text), text);
  }
});

test("a form it does not read itself goes to pg's parser", () => {
  for (const text of ['{"abc"}', '[1:1]={"\\\\x00"}']) assert.deepEqual(parseByteaArray(text), pgParser(text), text);
});
