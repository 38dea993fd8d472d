import type { LoggedRequest } from "../../test/standin/server.js";

/**
 * Time within [from, to] (epoch ms) when no model call was in flight at the stand-in:
 * with a fixed model latency, this is Fanout's own work on the critical path
 * (graph steps, checkpoints, search, HTTP client) plus the stand-in's.
 */
export function idleMs(requests: LoggedRequest[], from: number, to: number): number {
  const spans = requests
    .map((r) => [Math.max(from, r.time), Math.min(to, r.time + r.durationMs)] as const)
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  let busy = 0;
  let cursor = from;
  for (const [start, end] of spans) {
    if (end <= cursor) continue;
    busy += end - Math.max(start, cursor);
    cursor = end;
  }
  return to - from - busy;
}
