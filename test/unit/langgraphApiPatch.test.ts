/**
 * patches/@langchain+langgraph-api+1.5.1.patch: the error a run ends with, as the server sends it,
 * names each task's own failure once instead of "Multiple errors occurred during superstep N".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

// Not in the package's exports: loaded by file, as the server's own modules load it.
const apiRoot = path.dirname(createRequire(import.meta.url).resolve("@langchain/langgraph-api/package.json"));
const { serializeError } = (await import(pathToFileURL(path.join(apiRoot, "dist/utils/serde.mjs")).href)) as {
  serializeError: (error: unknown) => { error: string; message: string };
};

class ModelUnavailable extends Error {
  name = "ModelUnavailable";
}

test("a superstep's failures are each named once, under their own name when they share one", () => {
  const down = () => new ModelUnavailable("cannot reach the model server at http://127.0.0.1:9/v1 (connection refused)");
  const superstep = new AggregateError([down(), down()], 'Multiple errors occurred during superstep 3. See the "errors" field of this exception for more details.');
  assert.deepEqual(serializeError(superstep), { error: "ModelUnavailable", message: "cannot reach the model server at http://127.0.0.1:9/v1 (connection refused)" });
});

test("different failures, nested supersteps included, are all said, in order", () => {
  const nested = new AggregateError(
    [new Error("TAVILY_API_KEY is not set"), new AggregateError([new TypeError("bad reply")])],
    "Multiple errors occurred during superstep 2.",
  );
  assert.deepEqual(serializeError(nested), { error: "AggregateError", message: "TAVILY_API_KEY is not set; bad reply" });
});

test("a single error, and a thrown non-error, are as before", () => {
  assert.deepEqual(serializeError(new RangeError("too far")), { error: "RangeError", message: "too far" });
  assert.deepEqual(serializeError({ code: 7 }), { error: "Error", message: '{"code":7}' });
  assert.deepEqual(serializeError(new AggregateError([], "none inside")), { error: "AggregateError", message: "none inside" });
});
