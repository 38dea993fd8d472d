/** Small helpers for turning samples into table cells. */

export function median(samples: number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** "1.23 s" for a duration in milliseconds; ms below a second. */
export function seconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** Median with its spread, e.g. "1.23 s (1.20–1.31)", so noisy cells show it. */
export function spread(samples: number[], format: (ms: number) => string = seconds): string {
  if (samples.length < 2) return format(median(samples));
  return `${format(median(samples))} (${format(Math.min(...samples))}–${format(Math.max(...samples))})`;
}

export function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

/** A markdown table from a header row and body rows. */
export function table(header: string[], rows: (string | number)[][], align: ("l" | "r")[] = []): string {
  const rule = header.map((_, i) => ((align[i] ?? (i === 0 ? "l" : "r")) === "r" ? "---:" : "---"));
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(header), `|${rule.join("|")}|`, ...rows.map(line)].join("\n");
}
