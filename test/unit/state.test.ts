import { test } from "node:test";
import assert from "node:assert/strict";
import { mergeSources } from "../../src/state.js";

test("sources merge by URL, keeping the first title and the order found", () => {
  const merged = mergeSources(
    [{ url: "u1", title: "First" }],
    [
      { url: "u2", title: "Second" },
      { url: "u1", title: "Again" },
      { url: "u2", title: "Dup" },
    ],
  );
  assert.deepEqual(merged, [
    { url: "u1", title: "First" },
    { url: "u2", title: "Second" },
  ]);
  assert.deepEqual(mergeSources([], { url: "u3", title: "One" }), [{ url: "u3", title: "One" }]);
});
