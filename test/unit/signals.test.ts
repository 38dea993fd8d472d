import { test } from "node:test";
import assert from "node:assert/strict";
import { signalEchoFilter } from "../../src/util/signals.js";

test("a signal right behind the one taken is its echo; one after the window is taken", async () => {
  const isEcho = signalEchoFilter(50);
  assert.equal(isEcho(), false, "the first is taken");
  assert.equal(isEcho(), true, "the same signal delivered again at once");
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal(isEcho(), false, "a second request, later, is taken");
});
