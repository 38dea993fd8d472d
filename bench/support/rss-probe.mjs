// Preloaded into a CLI child (NODE_OPTIONS=--import=…) by bench/memory.ts. At exit it writes the
// process's peak RSS and the largest V8 heap a 20 ms sampler saw to the JSON file BENCH_MEMORY_FILE
// (not FANOUT_*: the CLI rejects unknown FANOUT_ variables).
//
// Peak RSS comes from VmHWM in /proc/self/status: getrusage's maxRSS is not usable here because
// Linux carries the parent's high-water mark across fork+exec, so a child of a large bench
// process reports the parent's peak (checked: a 40 MB child of a 350 MB parent says 311 MB).
import { readFileSync, writeFileSync } from "node:fs";

const target = process.env.BENCH_MEMORY_FILE;

function peakRssKiB() {
  try {
    const match = /^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return { kib: Number(match[1]), source: "VmHWM" };
  } catch {
    // not Linux
  }
  return { kib: process.resourceUsage().maxRSS, source: "maxRSS" };
}

if (target) {
  let peakHeapUsed = 0;
  const sample = () => {
    peakHeapUsed = Math.max(peakHeapUsed, process.memoryUsage().heapUsed);
  };
  setInterval(sample, 20).unref();
  process.on("exit", () => {
    sample();
    const usage = process.resourceUsage();
    const rss = peakRssKiB();
    writeFileSync(target, JSON.stringify({ peakRssKiB: rss.kib, rssSource: rss.source, peakHeapUsed, userCpuUs: usage.userCPUTime, systemCpuUs: usage.systemCPUTime }));
  });
}
