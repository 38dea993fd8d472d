// One lane of scripts/test.mjs: a long-lived process that imports the test files it is handed, one
// at a time, each inside a suite of its own (so a file's top-level before/after/beforeEach hooks stay
// with that file's tests). Sharing the process is the point: loading the graph's ~1,500 modules
// through tsx costs ~2.5 s of CPU, paid once per lane instead of once per file.
//
// Protocol (IPC with the runner): the lane sends "ready"; the runner sends { file } or "end"; the lane
// sends { done: file } when that file's suite has finished. On "end" it lets go of the channel, and
// node:test reports when the event loop empties.
import path from "node:path";
import { describe } from "node:test";
import { pathToFileURL } from "node:url";

// The process-wide state one file may leave behind for the next (environment, limits, caches).
const { resetBetweenFiles } = await import(new URL("../test/support/isolation.ts", import.meta.url).href);

process.on("message", (message) => {
  if (message === "end") {
    process.disconnect();
    return;
  }
  const file = message.file;
  // describe() resolves once the suite has ended, its own after hooks included: only then may the
  // next file be reset for and loaded. A file that cannot load fails its suite the same way.
  void describe(path.relative(process.cwd(), file), async () => {
    resetBetweenFiles();
    await import(pathToFileURL(path.resolve(file)).href);
  }).finally(() => process.send({ done: file }));
});
process.send("ready");
