/**
 * Stand-in server (a test tool): request counters, including how many requests are being
 * processed at once (latency waits count) overall and per role.
 */
import type { StandInStats } from "./types.js";

function bump(record: Record<string, number>, key: string, by = 1): number {
  record[key] = (record[key] ?? 0) + by;
  return record[key]!;
}

export class Counters {
  private data: StandInStats = Counters.empty(0);
  private inFlightByRole: Record<string, number> = {};

  private static empty(inFlight: number): StandInStats {
    return {
      total: 0,
      byRole: {},
      byStatus: {},
      inFlight,
      peakInFlight: inFlight,
      peakInFlightByRole: {},
      embeddings: 0,
      streamed: 0,
      tokens: { prompt: 0, completion: 0 },
      tavily: 0,
    };
  }

  /** A model request arrived. */
  enter(): void {
    this.data.total += 1;
    this.data.inFlight += 1;
    this.data.peakInFlight = Math.max(this.data.peakInFlight, this.data.inFlight);
  }

  /** The request's role is known (after parsing). */
  enterRole(role: string, options: { stream?: boolean } = {}): void {
    bump(this.data.byRole, role);
    if (role === "embeddings") this.data.embeddings += 1;
    if (options.stream) this.data.streamed += 1;
    const now = bump(this.inFlightByRole, role);
    this.data.peakInFlightByRole[role] = Math.max(this.data.peakInFlightByRole[role] ?? 0, now);
  }

  leave(role: string | undefined, status: number): void {
    this.data.inFlight = Math.max(0, this.data.inFlight - 1);
    if (role !== undefined) this.inFlightByRole[role] = Math.max(0, (this.inFlightByRole[role] ?? 0) - 1);
    bump(this.data.byStatus, String(status));
  }

  /** A request reached the fake Tavily endpoint. */
  countTavily(): void {
    this.data.tavily += 1;
  }

  addTokens(prompt: number, completion: number): void {
    this.data.tokens.prompt += prompt;
    this.data.tokens.completion += completion;
  }

  /** Model requests in flight now. */
  get inFlight(): number {
    return this.data.inFlight;
  }

  snapshot(): StandInStats {
    return structuredClone(this.data);
  }

  /** Zeroes everything but what is really in flight right now. */
  reset(): void {
    this.data = Counters.empty(this.data.inFlight);
  }
}
