import pLimit, { type LimitFunction } from "p-limit";
import { laneInFlight, laneQueued, laneWidth } from "./metrics.js";

/** Width an adaptive lane starts at: it grows by one per success until the first 429 (slow start). */
export const SLOW_START_WIDTH = 8;

/** Successes per unit of width, after the first 429, before the lane widens by one. */
const SUCCESSES_PER_STEP = 2;

/** Answers the lane remembers to tell a provider's limit from a random 429. */
export const OUTCOMES_KEPT = 10;

/** Telling 429s among the last OUTCOMES_KEPT answers that narrow the lane; fewer is noise, left to the retry layer. */
export const RATE_LIMITED_TO_NARROW = 2;

/** Share of the calls in flight beside a 429'd one that the lane keeps: a margin under the provider's limit. */
const NARROWING = 0.8;

/** How a request through a lane ended, as far as the lane's width is concerned. */
export type LaneFeedback = "ok" | "rate_limited" | "failed";

/**
 * What a request learns when the lane starts it; hand it back with the feedback. `full`: the
 * lane was at its width when it started, so its success says the width is not too small.
 * `inFlight`: the lane's calls in flight when it started, itself included.
 */
export type LaneTicket = { epoch: number; full?: boolean; inFlight?: number };

/** One answer the lane remembers: a 429 or not, and how many calls were in flight when its call started. */
type Answer = { rateLimited: boolean; inFlight: number };

export type LaneLimits = { maxInFlight: number; adaptive: boolean };

/**
 * A named queue for calls to one outside service (`model:openai`, `search:tavily`, `fetch`),
 * shared by every run in the process. p-limit keeps at most `width` calls in flight.
 *
 * The width adapts (AIMD): when telling 429s pile up (2 among the lane's last 10 answers) it
 * narrows to 80% of the other calls in flight when the provider pushed back (those it accepted:
 * an estimate of its limit, less a margin), and successes widen it again by one per 2×width
 * successes, never past the configured maximum. A 429 tells of a limit only if its call started
 * with more calls in flight than any recent success did; a lone 429, or one the provider has just
 * shown it can take, is a random fault (or a per-minute budget, whose retry-after the retry layer
 * honours): narrowing on each one took an 8-wide lane down to 1 or 2 in most runs at 10% random
 * 429s, and cost more than the faults. Only a 429 from a call started after the
 * last narrowing counts, so one burst of 429s narrows the lane once; only a success of a call that
 * started with the lane full counts, so a lane that is mostly idle does not grow past what it has tried.
 */
export class Lane {
  private readonly limit: LimitFunction;
  private ceiling = Number.POSITIVE_INFINITY;
  private adaptive = false;
  private slowStart = true;
  private successes = 0;
  private epoch = 0;
  private running = 0;
  /** The last OUTCOMES_KEPT answers of this epoch. */
  private recent: Answer[] = [];

  constructor(
    readonly name: string,
    limits: LaneLimits,
  ) {
    this.limit = pLimit(Number.POSITIVE_INFINITY);
    this.configure(limits);
  }

  /** Applies new limits (0 = unlimited); an adaptive lane restarts its slow start. */
  configure({ maxInFlight, adaptive }: LaneLimits): void {
    const ceiling = maxInFlight > 0 ? maxInFlight : Number.POSITIVE_INFINITY;
    if (ceiling === this.ceiling && adaptive === this.adaptive) return;
    this.ceiling = ceiling;
    this.adaptive = adaptive;
    this.slowStart = true;
    this.successes = 0;
    this.setWidth(adaptive ? Math.min(ceiling, SLOW_START_WIDTH) : ceiling);
  }

  /** Calls allowed in flight now. */
  get width(): number {
    return this.limit.concurrency;
  }

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.limit.pendingCount;
  }

  /** Runs `call` when the lane has room; `call` reports how it went with `feedback`. */
  async run<T>(call: (ticket: LaneTicket) => Promise<T>): Promise<T> {
    const queued = this.limit(async () => {
      this.running += 1;
      this.publish();
      try {
        return await call({ epoch: this.epoch, full: this.running >= this.width, inFlight: this.running });
      } finally {
        this.running -= 1;
        this.publish();
      }
    });
    this.publish();
    return queued;
  }

  feedback(ticket: LaneTicket, outcome: LaneFeedback): void {
    if (!this.adaptive || ticket.epoch !== this.epoch) return;
    this.remember({ rateLimited: outcome === "rate_limited", inFlight: ticket.inFlight ?? 1 });
    // Like TCP's window, the width grows only while it is what holds calls back.
    if (outcome === "ok" && ticket.full) this.widen();
    else if (outcome === "rate_limited" && this.recent.filter((answer) => answer.rateLimited).length >= RATE_LIMITED_TO_NARROW) this.narrow();
  }

  /** Keeps an answer; a 429 is kept only if it tells of a limit: more in flight than any success remembered. */
  private remember(answer: Answer): void {
    const proven = Math.max(0, ...this.recent.filter((kept) => !kept.rateLimited).map((kept) => kept.inFlight));
    if (answer.rateLimited && answer.inFlight <= proven) return;
    this.recent = [...this.recent, answer].slice(-OUTCOMES_KEPT);
  }

  private widen(): void {
    if (this.width >= this.ceiling) return;
    this.successes += 1;
    const needed = this.slowStart ? 1 : SUCCESSES_PER_STEP * this.width;
    if (this.successes < needed) return;
    this.successes = 0;
    this.setWidth(this.width + 1);
  }

  /** Called from inside the 429'd call, so the others in flight are inFlight - 1. */
  private narrow(): void {
    this.epoch += 1;
    this.recent = [];
    this.slowStart = false;
    this.successes = 0;
    const others = this.inFlight - 1;
    this.setWidth(Math.max(1, Math.floor(Math.min(this.width, others) * NARROWING)));
  }

  private setWidth(width: number): void {
    this.limit.concurrency = width;
    this.publish();
  }

  private publish(): void {
    laneWidth.set({ lane: this.name }, Number.isFinite(this.width) ? this.width : -1);
    laneInFlight.set({ lane: this.name }, this.inFlight);
    laneQueued.set({ lane: this.name }, this.queued);
  }
}
