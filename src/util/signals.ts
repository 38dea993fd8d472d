/**
 * How close behind a signal a second one is taken as the same signal delivered twice, not a second
 * request. A Ctrl-C reaches every process in the terminal's group, and npm (`npm start`, `npx
 * fanout`) also forwards it to its child, so a single press arrives twice, milliseconds apart.
 */
export const SIGNAL_ECHO_MS = 500;

/**
 * A filter for a stop handler: true for a signal that follows the last one taken within
 * SIGNAL_ECHO_MS (ignore it), false for one to act on ("stop after the steps in flight", then "stop now").
 */
export function signalEchoFilter(windowMs = SIGNAL_ECHO_MS): () => boolean {
  let lastTaken = Number.NEGATIVE_INFINITY;
  return () => {
    const now = performance.now();
    if (now - lastTaken < windowMs) return true;
    lastTaken = now;
    return false;
  };
}
