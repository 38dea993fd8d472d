/** Which model failures mean the server is down (the run fails, resumable) rather than this call failed (the unit degrades). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CircuitOpen } from "../../src/limits/limitedFetch.js";
import { modelServerDown } from "../../src/modelFailures.js";

/** As fetch and the OpenAI client wrap a socket's error: a TypeError whose cause carries the code, inside a connection error. */
function wrapped(inner: unknown): Error {
  return new Error("Connection error.", { cause: new TypeError("fetch failed", { cause: inner }) });
}

test("a refused connection, a host not found, or an open breaker: the server is down", () => {
  assert.equal(modelServerDown(wrapped(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }))), true);
  assert.equal(modelServerDown(wrapped(Object.assign(new Error("getaddrinfo ENOTFOUND api.example"), { code: "ENOTFOUND" }))), true);
  assert.equal(modelServerDown(wrapped(new CircuitOpen("model:api.example", 30))), true);
});

test("an error the server answered with, or one without a network cause, is the call's own", () => {
  assert.equal(modelServerDown(Object.assign(new Error("500 internal error"), { status: 500 })), false);
  assert.equal(modelServerDown(Object.assign(new Error("400 bad request"), { status: 400 })), false);
  assert.equal(modelServerDown(wrapped(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))), false);
  assert.equal(modelServerDown("a string"), false);
});
