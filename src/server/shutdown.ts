/** How long a shutdown waits, by default, for the steps in flight to finish and be saved before it cuts them off. */
export const DRAIN_GRACE_SECONDS = 30;
/** How long the runs cut off then may take to wind down before the process exits regardless. */
export const CUT_OFF_MS = 5_000;
