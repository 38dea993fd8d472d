/**
 * Summarises a V8 CPU profile (.cpuprofile, as `node --cpu-prof` or the inspector writes it):
 * total sampled time, the top functions by self time, and self time per package.
 */
type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
export type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

export type ProfileSummary = { totalMs: number; idleMs: number; top: { name: string; ms: number }[]; packages: { name: string; ms: number }[] };

/** "@langchain/langgraph", "zod", "src/config.ts", "(node internals)", "(garbage collector)"… */
function packageOf(url: string, functionName: string): string {
  if (!url) return `(${functionName || "native"})`.replace(/^\(\((.*)\)\)$/, "($1)");
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  if (url.startsWith("node:")) return "(node internals)";
  const ours = /\/(src|graphs|bench|test|dist)\/(.*)$/.exec(url);
  return ours ? `${ours[1]}/${ours[2]}` : url;
}

function shortUrl(url: string): string {
  const modules = /node_modules\/(.*)$/.exec(url);
  if (modules) return modules[1];
  const ours = /\/((?:src|graphs|bench|test|dist)\/.*)$/.exec(url);
  return ours ? ours[1] : url;
}

export function summariseProfile(profile: CpuProfile, topN = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  /** Samples taken inside the inspector (stopping the profiler serialises it) are not the program's. */
  const inInspector = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) if (byId.get(at)!.callFrame.url === "node:inspector") return true;
    return false;
  };
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (inInspector(id)) continue;
    if (functionName === "(idle)") {
      idleMs += ms;
      continue;
    }
    totalMs += ms;
    const name = url ? `${functionName || "(anonymous)"} ${shortUrl(url)}:${lineNumber + 1}` : functionName;
    functions.set(name, (functions.get(name) ?? 0) + ms);
    const pkg = packageOf(url, functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + ms);
  }
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).map(([name, ms]) => ({ name, ms }));
  return { totalMs, idleMs, top: sorted(functions).slice(0, topN), packages: sorted(packages).slice(0, topN) };
}

export function formatSummary(summary: ProfileSummary): string {
  const lines = [`busy (non-idle) sampled CPU: ${summary.totalMs.toFixed(0)} ms; idle ${summary.idleMs.toFixed(0)} ms`, "top self time:"];
  for (const { name, ms } of summary.top) lines.push(`  ${ms.toFixed(1).padStart(8)} ms  ${name}`);
  lines.push("self time by package:");
  for (const { name, ms } of summary.packages) lines.push(`  ${ms.toFixed(1).padStart(8)} ms  ${name}`);
  return lines.join("\n");
}
