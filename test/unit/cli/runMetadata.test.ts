import { test } from "node:test";
import assert from "node:assert/strict";
import { settingsToKeep } from "../../../src/cli/runMetadata.js";

test("a relative local_corpus_path is kept as an absolute path, from --set or from the environment", () => {
  assert.deepEqual(settingsToKeep({ local_corpus_path: "./handbook", search_api: "local" }, {}, "/home/ana/work"), {
    local_corpus_path: "/home/ana/work/handbook",
    search_api: "local",
  });
  assert.deepEqual(settingsToKeep({ search_api: "local" }, { FANOUT_LOCAL_CORPUS_PATH: "../notes" }, "/home/ana/work"), {
    local_corpus_path: "/home/ana/notes",
    search_api: "local",
  });
  // --set wins over the environment, as it does for every setting.
  assert.equal(settingsToKeep({ local_corpus_path: "/srv/docs" }, { FANOUT_LOCAL_CORPUS_PATH: "elsewhere" }, "/x").local_corpus_path, "/srv/docs");
});

test("settings without a corpus folder are kept as they are", () => {
  assert.deepEqual(settingsToKeep({ search_api: "tavily" }, {}, "/x"), { search_api: "tavily" });
  assert.deepEqual(settingsToKeep({ local_corpus_path: "" }, {}, "/x"), { local_corpus_path: "" });
});
