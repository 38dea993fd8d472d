/** Today's date as models should read it, e.g. "Wed Nov 25 2026". */
export function today(now: Date = new Date()): string {
  return now.toDateString();
}
