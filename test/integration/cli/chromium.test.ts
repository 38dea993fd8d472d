/**
 * The HTML report in a real browser: headless Chromium renders it and takes a screenshot,
 * its DOM has every source as a link, and `--format pdf` prints it. Skipped, saying why,
 * only when no Chromium is installed (.ci/run installs Debian's `chromium`).
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { startStandIn } from "../../standin/server.js";
import { runCli } from "../../support/cli.js";
import { findChromium, headlessFlags } from "../../../src/cli/reportFormat.js";
import { embeddedEnv, RESEARCH, TEST_KEY } from "./common.js";

const chromium = findChromium();
const skip = chromium ? false : "no Chromium installed (apt-get install chromium, or set CHROME_PATH)";
const run = promisify(execFile);

async function htmlReport(t: TestContext, folder: string): Promise<{ file: string; env: Record<string, string | undefined> }> {
  const standin = await startStandIn({ latencyMs: 2, units: 3 });
  t.after(() => standin.close());
  const env = { ...embeddedEnv(), OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY };
  const file = path.join(folder, "report.html");
  const result = await runCli(["How does tidal power generate electricity?", ...RESEARCH, "--format", "html", "--out", file], { env });
  assert.equal(result.code, 0, result.stderr);
  return { file, env };
}

describe("the HTML report in headless Chromium", { skip }, () => {
  test("renders to a screenshot, and every numbered source is a link in the browser's DOM", async (t) => {
    const folder = mkdtempSync(path.join(tmpdir(), "fanout-chromium-"));
    const { file } = await htmlReport(t, folder);
    const page = pathToFileURL(file).href;
    const screenshot = path.join(folder, "report.png");
    await run(chromium!, [...headlessFlags(folder), `--screenshot=${screenshot}`, "--window-size=1000,1400", "--hide-scrollbars", page], { timeout: 60_000 });
    const png = readFileSync(screenshot);
    assert.deepEqual([...png.subarray(1, 4)].map((byte) => String.fromCharCode(byte)).join(""), "PNG");
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [1000, 1400], "the screenshot is the window's size");

    const { stdout: dom } = await run(chromium!, [...headlessFlags(folder), "--dump-dom", page], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    const sources = [...dom.matchAll(/<li id="source-(\d+)" value="\d+"><a href="(file:[^"]+)">/g)];
    assert.ok(sources.length > 0, "numbered sources are links after the browser parsed the page");
    const listed = [...readFileSync(file, "utf8").matchAll(/<li id="source-/g)].length;
    assert.equal(sources.length, listed, "every listed source");
    const citations = [...dom.matchAll(/<sup class="cite"><a href="#source-(\d+)">/g)];
    assert.ok(citations.length > 0, "citations link to their source");
  });

  test("--format pdf prints the page to a PDF", async (t) => {
    const folder = mkdtempSync(path.join(tmpdir(), "fanout-pdf-test-"));
    const { env } = await htmlReport(t, folder);
    const shown = await runCli(["threads", "--json"], { env });
    const [thread] = JSON.parse(shown.stdout) as { thread_id: string }[];
    const pdf = path.join(folder, "report.pdf");
    const result = await runCli(["show", thread.thread_id, "--format", "pdf", "--out", pdf], { env });
    assert.equal(result.code, 0, result.stderr);
    const bytes = readFileSync(pdf);
    assert.equal(bytes.subarray(0, 5).toString("latin1"), "%PDF-");
    assert.ok(bytes.length > 5_000, `${bytes.length} bytes`);
  });
});
