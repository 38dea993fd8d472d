import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { HELP, parseCliArgs, UsageError } from "../../../src/cli/args.js";
import { THREAD_COLUMNS } from "../../../src/cli/threadColumns.js";

const QUESTION = "How does tidal power generate electricity?";

function refused(argv: string[], pattern: RegExp): void {
  assert.throws(
    () => parseCliArgs(argv),
    (error: unknown) => {
      assert.ok(error instanceof UsageError, String(error));
      assert.match(error.message, pattern);
      assert.doesNotMatch(error.message, /[\n\r]/, "the message stays on one line");
      return true;
    },
  );
}

test("an empty or blank thread id is refused, with a question or without", () => {
  refused([QUESTION, "--thread", ""], /--thread is empty/);
  refused(["--thread", ""], /--thread is empty/);
  refused(["--thread", "   "], /--thread is empty/);
  refused(["prune", "--thread", ""], /--thread is empty/);
});

test("a thread id with a newline or another control character is refused", () => {
  refused([QUESTION, "--thread", "run\nfanout: done"], /thread id "run\\nfanout: done" has a control character/);
  refused(["--thread", "a\tb"], /control character/);
  refused(["--thread", "a\u0007b"], /control character/);
  refused(["show", "a\u001b[2Jb"], /control character/);
  refused(["prune", "--thread", "a\rb"], /control character/);
});

test("an absurdly long thread id is refused, without echoing it whole", () => {
  const long = "x".repeat(10_000);
  refused([QUESTION, "--thread", long], /thread id is 10000 characters; the limit is 200/);
  assert.throws(
    () => parseCliArgs(["show", long]),
    (error: Error) => error.message.length < 200,
  );
});

test("ordinary thread ids pass: uuids, names with dashes, dots and spaces", () => {
  for (const id of ["3f9e2c1a-0b7d-4e55-9a43-1c2d3e4f5a6b", "tidal-2024.v2", "my run", "é-ünïcode"]) {
    assert.deepEqual(parseCliArgs(["--thread", id]), { ...parseCliArgs(["--thread", "x"]), thread: id });
    assert.deepEqual(parseCliArgs(["show", id]), { command: "show", thread: id, json: false, format: "md", out: undefined });
  }
});

test("--help and the README list the `threads` columns in the order the command prints them", () => {
  const described = THREAD_COLUMNS.map((column) => column.described).join(", ");
  assert.match(HELP, new RegExp(`fanout threads +list runs \\(${described}\\)\n`));
  const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
  assert.match(readme, new RegExp(`fanout threads +list runs \\(${described}\\)\n`));
});
