import { AsyncLocalStorage } from "node:async_hooks";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { ThreadLease } from "./lease-types.js";

/** The lease of the run whose work is on this async path (set by whoever took it). */
const leaseScope = new AsyncLocalStorage<ThreadLease>();

/** A run went on writing to a thread after it lost that thread's lease; the write was refused. */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";

  constructor(readonly threadId: string) {
    super(`refused to save to thread ${threadId}: this run lost the thread's lease, so another process may be running it`);
  }
}

/** Runs `work` (and everything it starts) as the holder of `lease`: its saves are fenced by it. */
export function runUnderLease<T>(lease: ThreadLease, work: () => T): T {
  return leaseScope.run(lease, work);
}

/**
 * Makes every save of `saver` check the lease of the run making it: once that lease is lost, the
 * run's late saves (a step winding down after the abort) are refused, so they cannot interleave
 * with the saves of whoever runs the thread next. Saves outside a lease scope pass. Returns the same saver.
 */
export function fenceWrites<T extends BaseCheckpointSaver>(saver: T): T {
  const put = saver.put.bind(saver);
  const putWrites = saver.putWrites.bind(saver);
  saver.put = async (config, ...rest) => (refuseIfLeaseLost(config.configurable?.thread_id), put(config, ...rest));
  saver.putWrites = async (config, ...rest) => (refuseIfLeaseLost(config.configurable?.thread_id), putWrites(config, ...rest));
  return saver;
}

/**
 * Throws LeaseLostError when the run on this async path has lost the lease of `threadId`. A save
 * already sent when the lease is lost lands or fails whole; a retry of it is refused.
 */
export function refuseIfLeaseLost(threadId: unknown): void {
  const lease = leaseScope.getStore();
  if (lease?.lost.aborted && lease.threadId === threadId) throw new LeaseLostError(lease.threadId);
}
