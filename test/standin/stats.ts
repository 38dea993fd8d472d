/**
 * Stand-in server (a test tool): request counters, including how many requests are being
 * processed at once (latency waits count) overall and per role.
 */
import type { StandInStats } from "./types.js";

function empty(inFlight: number): StandInStats {
  return { total: 0, byRole: {}, inFlight, peakInFlight: inFlight, peakInFlightByRole: {}, tavily: 0 };
}

export class Counters {
  private data: StandInStats = empty(0);
  private inFlightByRole: Record<string, number> = {};

  /** A model request arrived. */
  enter(): void {
    this.data.total += 1;
    this.data.inFlight += 1;
    this.data.peakInFlight = Math.max(this.data.peakInFlight, this.data.inFlight);
  }

  /** The request's role is known (after parsing). */
  enterRole(role: string): void {
    this.data.byRole[role] = (this.data.byRole[role] ?? 0) + 1;
    const now = (this.inFlightByRole[role] ?? 0) + 1;
    this.inFlightByRole[role] = now;
    this.data.peakInFlightByRole[role] = Math.max(this.data.peakInFlightByRole[role] ?? 0, now);
  }

  leave(role: string | undefined): void {
    this.data.inFlight = Math.max(0, this.data.inFlight - 1);
    if (role !== undefined) this.inFlightByRole[role] = Math.max(0, (this.inFlightByRole[role] ?? 0) - 1);
  }

  /** A request reached the fake Tavily endpoint. */
  countTavily(): void {
    this.data.tavily += 1;
  }

  snapshot(): StandInStats {
    return structuredClone(this.data);
  }

  /** Zeroes everything but what is really in flight right now. */
  reset(): void {
    this.data = empty(this.data.inFlight);
  }
}
