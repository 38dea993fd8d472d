import { countOf } from "../../util/plural.js";
import { MAX_FILE_BYTES } from "./scan.js";

/** Why a file with an indexed extension was left out of the index. */
export type SkipReason = "too_large" | "binary" | "unreadable" | "empty";

/** What became of a folder's candidate files: how many were indexed, how many skipped and why. */
export interface CorpusSummary {
  indexed: number;
  skipped: Record<SkipReason, number>;
}

const REASONS: Record<SkipReason, string> = {
  too_large: `over ${MAX_FILE_BYTES / (1024 * 1024)} MB`,
  binary: "binary",
  unreadable: "unreadable",
  empty: "empty",
};

export function summarise(indexed: number, skips: Iterable<SkipReason>): CorpusSummary {
  const skipped: Record<SkipReason, number> = { too_large: 0, binary: 0, unreadable: 0, empty: 0 };
  for (const reason of skips) skipped[reason] += 1;
  return { indexed, skipped };
}

/** "2 over 5 MB, 1 binary", or "" when nothing was skipped. */
export function describeSkipped(summary: CorpusSummary): string {
  return (Object.keys(REASONS) as SkipReason[])
    .filter((reason) => summary.skipped[reason] > 0)
    .map((reason) => `${summary.skipped[reason]} ${REASONS[reason]}`)
    .join(", ");
}

/** One line for the progress output: "120 files indexed, 3 skipped (2 over 5 MB, 1 binary)". */
export function describeCorpus(summary: CorpusSummary): string {
  const indexed = `${countOf(summary.indexed, "file")} indexed`;
  const skipped = Object.values(summary.skipped).reduce((sum, count) => sum + count, 0);
  return skipped === 0 ? indexed : `${indexed}, ${skipped} skipped (${describeSkipped(summary)})`;
}
