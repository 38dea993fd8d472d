// --help, the argument parser and the README describe one CLI: these tests keep them from drifting
// apart, like readme.test.ts does for the configuration table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { emptyCheckpoint, MemorySaver } from "@langchain/langgraph";
import { HELP, OPTIONS } from "../../src/cli/args.js";
import { EXIT, type CliIo } from "../../src/cli/io.js";
import { threadsCommand } from "../../src/cli/threads.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** The lines of one --help section ("Usage:", "Options:", …), up to the blank line that ends it. */
function helpSection(title: string): string[] {
  const start = HELP.split("\n").indexOf(`${title}:`);
  assert.ok(start >= 0, `--help has no ${title}: section`);
  const rest = HELP.split("\n").slice(start + 1);
  return rest.slice(0, rest.indexOf("")).map((line) => line.trim());
}

/** The README's command list: the code block right under "## Using the CLI". */
function readmeCommands(): string[] {
  const block = /## Using the CLI\s+```\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, "README has no command list under ## Using the CLI");
  return block[1]
    .trimEnd()
    .split("\n")
    .map((line) => line.trim());
}

/** An option's flags as written, e.g. "-s, --set key=value" or "--json". */
type FlagText = { long: string; short?: string; placeholder?: string; text: string };

function parseFlags(text: string): FlagText {
  const match = /^(?:-(\w), )?--([\w-]+)(?: (\S+))?$/.exec(text.trim());
  assert.ok(match, `not an option: ${text}`);
  return { short: match[1], long: match[2], placeholder: match[3], text: text.trim() };
}

/** --help's Options section: the flags column (separated from its meaning by two or more spaces). */
function helpOptions(): FlagText[] {
  return helpSection("Options").map((line) => parseFlags(line.split(/\s{2,}/)[0]));
}

/** The README's option table: the first column of each row. */
function readmeOptions(): FlagText[] {
  const table = /\| option \| meaning \|\n\| --- \| --- \|\n((?:\|.*\|\n)+)/.exec(readme);
  assert.ok(table, "README has no option table");
  return table[1]
    .trimEnd()
    .split("\n")
    .map((row) => parseFlags(/^\| `([^`]+)` \|/.exec(row)![1]));
}

test("--help lists every option the parser accepts, with its short form, and no other", () => {
  const listed = helpOptions();
  const usage = helpSection("Usage").join("\n");
  for (const [name, option] of Object.entries(OPTIONS)) {
    const entry = listed.find((flag) => flag.long === name);
    // An option that belongs to one command may be shown in that command's usage line instead.
    if (!entry) {
      assert.ok(usage.includes(`--${name}`), `--help does not mention --${name}`);
      continue;
    }
    assert.equal(entry.short, "short" in option ? option.short : undefined, `--${name}'s short form`);
    assert.equal(entry.placeholder !== undefined, option.type === "string", `--${name} ${option.type === "string" ? "takes" : "takes no"} value`);
  }
  for (const flag of listed) assert.ok(flag.long in OPTIONS, `--help lists --${flag.long}, which the parser rejects`);
});

test("the README's option table is --help's options (less --help and --version)", () => {
  const fromHelp = helpOptions()
    .filter((flag) => flag.long !== "help" && flag.long !== "version")
    .map((flag) => flag.text);
  assert.deepEqual(
    readmeOptions().map((flag) => flag.text),
    fromHelp,
  );
});

/** A command line with its parenthesised column list, if any, cut out: those are checked below. */
const withoutColumns = (line: string) => line.replace(/\s*\([^)]*\)$/, "");

test("the README's command list is --help's", () => {
  assert.deepEqual(readmeCommands().map(withoutColumns), helpSection("Usage").map(withoutColumns));
});

/** The header `fanout threads` prints, from the command itself. */
async function threadsHeader(): Promise<string[]> {
  const saver = new MemorySaver();
  await saver.put({ configurable: { thread_id: "t1", checkpoint_ns: "" } }, emptyCheckpoint(), { source: "input", step: -1, parents: {} });
  const stdout = new PassThrough();
  let printed = "";
  stdout.on("data", (chunk) => (printed += chunk));
  const io = { stdout, stderr: new PassThrough(), stdin: new PassThrough(), onInterrupt: () => () => {} } as unknown as CliIo;
  assert.equal(await threadsCommand(saver, io, false), EXIT.ok);
  return printed.split("\n")[0].split("\t");
}

/** "(id, status, units done, …)" in a `fanout threads` line → the header names it describes. */
function describedColumns(lines: string[]): string[] {
  const line = lines.find((candidate) => candidate.startsWith("fanout threads"));
  assert.ok(line, "no `fanout threads` line");
  const columns = /\(([^)]*)\)$/.exec(line)?.[1];
  assert.ok(columns, `no column list in: ${line}`);
  const header: Record<string, string> = { id: "THREAD", "units done": "UNITS" };
  return columns.split(",").map((name) => header[name.trim()] ?? name.trim().toUpperCase());
}

test("the README names `fanout threads`' columns in the order it prints them", async () => {
  assert.deepEqual(describedColumns(readmeCommands()), await threadsHeader());
});

test("--help names `fanout threads`' columns in the order it prints them", async () => {
  assert.deepEqual(describedColumns(helpSection("Usage")), await threadsHeader());
});

test("--help and the README give every exit code", () => {
  // The list may wrap onto more lines; it ends at the end of the help.
  const helpLine = /^Exit codes: [\s\S]*/m.exec(HELP)?.[0];
  const readmeLine = /Exit codes: ([\s\S]*?)\n\n/.exec(readme)?.[1];
  assert.ok(helpLine && readmeLine, "an exit code list is missing");
  for (const code of Object.values(EXIT)) {
    assert.match(helpLine, new RegExp(`\\b${code} \\w`), `--help does not give exit code ${code}`);
    assert.match(readmeLine, new RegExp(`\`${code}\``), `README does not give exit code ${code}`);
  }
});

test("every environment variable --help names is in the README's table", () => {
  const table = /\| environment variable \| used for \|\n((?:\|.*\|\n)+)/.exec(readme)?.[1];
  assert.ok(table, "README has no environment variable table");
  const names = new Set(table.split("\n").flatMap((row) => [...(row.split("|")[1] ?? "").matchAll(/`([^`]+)`/g)].map((match) => match[1])));
  for (const line of helpSection("Environment")) {
    const name = line.split(/\s+/)[0];
    // FANOUT_<KEY> is explained with the settings, not in the table.
    if (name === "FANOUT_<KEY>") assert.ok(readme.includes("`FANOUT_<KEY>`"), "README does not explain FANOUT_<KEY>");
    else assert.ok(names.has(name), `README's environment table lacks ${name}`);
  }
});
