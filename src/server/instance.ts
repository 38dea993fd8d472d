import { RunControl } from "@langchain/langgraph";
import type { Hono } from "hono";
import { buildDeepResearcher } from "../../graphs/deep_researcher.js";
import { checkpointOptionsFromEnv, openCheckpointer } from "../checkpoint/index.js";
import { configureLimitsFromEnv } from "../limits/settings.js";
import { createServerApp, type ServerOptions } from "./app.js";
import { metricsRegistry, servedRegistry } from "./metrics.js";
import { CUT_OFF_MS } from "./shutdown.js";
import { openThreadStore } from "./threadStore.js";

const DEFAULT_MAX_BODY_BYTES = 1_048_576;

export type InstanceOptions = {
  /** This instance is worker `index` of `workers` sharing the process's limits: it takes its share of the widths and budgets. */
  limitShare?: { workers: number; index: number };
  /** Told whenever the number of runs in flight here changes. */
  onRunCount?: (count: number) => void;
  /** The id of a thread a run without one gets (default a random UUID). */
  newThreadId?: () => string;
  /** What /metrics answers (default this thread's registries: the default one and Fanout's own). */
  metricsText?: () => Promise<string>;
};

/** One server instance: the store, graph, runner and app, without a listener. */
export type ServerInstance = {
  app: Hono;
  /** Where runs are kept, for the start-up line. */
  storeName: string;
  /** Runs in flight now. */
  readonly running: number;
  /**
   * Asks every run to stop after its current steps (which are saved), cuts off the steps still
   * running after `graceMs`, and closes the store once every run has ended. `onCutOff` is told
   * when the cut-off happens. Resolves true when every run ended, false when they did not within
   * CUT_OFF_MS of the cut-off (the store is left open then).
   */
  drain(graceMs: number, onCutOff?: () => void): Promise<boolean>;
};

/**
 * What `npm start` serves, built from the environment: the store (openCheckpointer), the thread
 * store, the graph with the server's run defaults, one RunControl for the drain, and the app.
 */
export async function openServerInstance(env: NodeJS.ProcessEnv, options: InstanceOptions = {}): Promise<ServerInstance> {
  // Lanes, budgets, breakers and caches are the process's (or the worker's share), shared by every run: set once, here.
  configureLimitsFromEnv(env, options.limitShare?.workers ?? 1, options.limitShare?.index ?? 0);
  const store = await openCheckpointer(checkpointOptionsFromEnv(env));
  // One control for every run: a shutdown asks each to stop after the steps in flight.
  const control = new RunControl();
  const graph = buildDeepResearcher({ checkpointer: store.saver }).withConfig({
    durability: "sync",
    recursionLimit: 1_000,
    control,
  } as never) as unknown as ServerOptions["graph"];
  const runs = new Set<Promise<void>>();
  const cutOff = new AbortController();
  const app = createServerApp({
    graph,
    saver: store.saver,
    threads: await openThreadStore(store.saver),
    registry: metricsRegistry,
    token: env.FANOUT_API_TOKEN?.trim() || undefined,
    maxBodyBytes: Number(env.FANOUT_API_MAX_BODY_BYTES) || DEFAULT_MAX_BODY_BYTES,
    onRun: (ended) => {
      runs.add(ended);
      options.onRunCount?.(runs.size);
      void ended.finally(() => {
        runs.delete(ended);
        options.onRunCount?.(runs.size);
      });
    },
    cutOff: cutOff.signal,
    newThreadId: options.newThreadId,
    metricsText: options.metricsText ?? (() => servedRegistry().metrics()),
  });
  return {
    app,
    storeName: `${store.kind} ${store.location}`,
    get running() {
      return runs.size;
    },
    async drain(graceMs, onCutOff) {
      control.requestDrain("shutdown");
      let cutOffAt: Promise<void> | undefined;
      const cuttingOff = setTimeout(() => {
        onCutOff?.();
        cutOff.abort(); // every run has a signal of its own, background runs included
      }, graceMs);
      cuttingOff.unref();
      const ended = Promise.allSettled([...runs]).then(() => true);
      const outOfTime = new Promise<boolean>((resolve) => {
        cutOffAt = new Promise<void>((cut) => cutOff.signal.addEventListener("abort", () => cut(), { once: true }));
        void cutOffAt.then(() => setTimeout(() => resolve(false), CUT_OFF_MS).unref());
      });
      const allEnded = await Promise.race([ended, outOfTime]);
      clearTimeout(cuttingOff);
      if (allEnded) await store.close();
      return allEnded;
    },
  };
}
