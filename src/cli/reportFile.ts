import { constants } from "node:fs";
import { access, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { describeError } from "../util/errors.js";
import { UsageError } from "./args.js";
import type { CliIo } from "./io.js";

/**
 * Checks before a run that `--out FILE` can be written: not a folder, in a folder
 * that exists and is writable. A mistyped path would otherwise surface only after
 * every model call had been paid for.
 */
export async function checkReportPath(out: string): Promise<void> {
  if (!out.trim()) throw new UsageError("--out is empty; give a file to write the report to");
  const target = path.resolve(out);
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw new UsageError(`--out ${out} is a folder; give a file path, e.g. ${path.join(out, "report.md")}`);
  if (existing) {
    if (!(await writable(target))) throw new UsageError(`--out ${out} cannot be written (no permission)`);
    return;
  }
  const folder = path.dirname(target);
  const parent = await stat(folder).catch(() => undefined);
  if (!parent) throw new UsageError(`--out ${out}: the folder ${folder} does not exist`);
  if (!parent.isDirectory()) throw new UsageError(`--out ${out}: ${folder} is not a folder`);
  if (!(await writable(folder))) throw new UsageError(`--out ${out}: the folder ${folder} is not writable`);
}

async function writable(target: string): Promise<boolean> {
  return access(target, constants.W_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Writes the finished report to `--out`. When that fails (the folder went away, the
 * disk filled up), says so and how to print the report kept in the thread, and returns the problem.
 */
export async function writeReportFile(out: string, report: string | Uint8Array, threadId: string, io: CliIo): Promise<string | undefined> {
  try {
    await writeFile(out, report);
    return undefined;
  } catch (error) {
    const problem = `cannot write the report to ${out}: ${describeError(error)}`;
    io.stderr.write(`fanout: ${problem}\n` + `the report is saved in thread ${threadId}; print it with: fanout --thread ${threadId} (or fanout show ${threadId})\n`);
    return problem;
  }
}
