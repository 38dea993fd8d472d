/**
 * The right to run one thread. Whoever runs a thread (a CLI process, a server request) holds it, so
 * two runners never both do the thread's remaining work, double its model calls or fork its history.
 */
export interface ThreadLease {
  readonly threadId: string;
  /**
   * Aborted if the lease is lost while held (its connection dropped, or it expired and another
   * process took it over): the holder must stop, as it no longer runs the thread alone.
   */
  readonly lost: AbortSignal;
  /** Gives the lease up; safe to call twice. */
  release(): Promise<void>;
}

/** Who holds a lease, as far as the store knows. */
export interface LeaseHolder {
  pid?: number;
  host?: string;
  /** ISO time the holder took the lease. */
  since?: string;
}

/** The thread is being run by another holder; nothing was done. */
export class ThreadLeaseHeldError extends Error {
  override readonly name = "ThreadLeaseHeldError";

  constructor(
    readonly threadId: string,
    readonly holder: LeaseHolder = {},
  ) {
    super(`thread ${threadId} is running in another process${describeHolder(holder)}`);
  }
}

function describeHolder({ pid, host, since }: LeaseHolder): string {
  const who = [pid === undefined ? "" : `pid ${pid}`, host ? `on ${host}` : "", since ? `since ${since}` : ""].filter(Boolean).join(" ");
  return who ? ` (${who})` : "";
}
