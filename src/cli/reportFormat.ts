import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import type { ReportPageDetails } from "../report/html.js";
import { UsageError, type ReportFormat } from "./args.js";

/** Browsers that can print a page to PDF headless, in the order they are looked for on PATH. */
const CHROMIUM_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
/** How long printing one report to PDF may take. */
const PDF_TIMEOUT_MS = 60_000;

export const NO_CHROMIUM =
  "--format pdf needs a headless Chromium and none was found (looked for CHROME_PATH, then " +
  `${CHROMIUM_NAMES.join(", ")} on PATH); on Debian or Ubuntu: apt-get install chromium. ` +
  "Or use --format html and print the page from a browser";

/** The report in `format`; json is handled by the caller, as the --json result. */
export async function formatReport(report: string, format: ReportFormat, details: ReportPageDetails): Promise<string | Uint8Array> {
  if (format !== "html" && format !== "pdf") return report;
  // The page renderer (marked) loads only for an html or pdf report, not with every run.
  const { renderReportHtml } = await import("../report/html.js");
  const page = renderReportHtml(report, details);
  return format === "pdf" ? printPdf(page) : page;
}

/** The Chromium `--format pdf` will use: CHROME_PATH, else the first on PATH; undefined when there is none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const named = env.CHROME_PATH?.trim();
  if (named) return isExecutable(named) ? named : undefined;
  for (const folder of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    for (const name of CHROMIUM_NAMES) {
      const candidate = path.join(folder, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Checked before a run, so a missing browser costs nothing. */
export function checkFormat(format: ReportFormat): void {
  if (format === "pdf" && !findChromium()) throw new UsageError(NO_CHROMIUM);
}

/** Prints the page to PDF with headless Chromium, in a throwaway profile. */
async function printPdf(html: string): Promise<Uint8Array> {
  const chromium = findChromium();
  if (!chromium) throw new Error(NO_CHROMIUM);
  const folder = await mkdtemp(path.join(tmpdir(), "fanout-pdf-"));
  try {
    const page = path.join(folder, "report.html");
    const pdf = path.join(folder, "report.pdf");
    await writeFile(page, html, "utf8");
    await promisify(execFile)(chromium, [...headlessFlags(folder), `--print-to-pdf=${pdf}`, "--no-pdf-header-footer", pathToFileURL(page).href], {
      timeout: PDF_TIMEOUT_MS,
    });
    return await readFile(pdf);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * Flags for a headless Chromium that touches nothing of the user's: its own
 * profile in `folder`, no first-run or network extras. --no-sandbox because
 * Chromium refuses to start as root with the sandbox (containers, CI).
 */
export function headlessFlags(folder: string): string[] {
  const flags = [
    "--headless",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    `--user-data-dir=${path.join(folder, "profile")}`,
  ];
  if (process.getuid?.() === 0) flags.push("--no-sandbox");
  return flags;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
