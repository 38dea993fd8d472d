/**
 * Stand-in server (a test tool): injected failures. Forced ones (failNext) come first; then
 * each model request draws once from a seeded PRNG against rate429 and rate500.
 */

export interface Fault {
  status: number;
  message?: string;
}

/** mulberry32: tiny, seedable, good enough to make fault sequences repeatable. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultPlan {
  private forced: Fault[] = [];
  private random: () => number;

  constructor(private seed: number) {
    this.random = seededRandom(seed);
  }

  reseed(seed: number): void {
    this.seed = seed;
    this.random = seededRandom(seed);
  }

  reset(): void {
    this.forced = [];
    this.random = seededRandom(this.seed);
  }

  failNext(count: number, status: number, message?: string): void {
    for (let i = 0; i < count; i += 1) this.forced.push({ status, ...(message ? { message } : {}) });
  }

  /** The fault for the next model request, if any. Always draws, so sequences do not depend on rates. */
  next(rate429: number, rate500: number): Fault | undefined {
    const draw = this.random();
    const forced = this.forced.shift();
    if (forced) return forced;
    if (draw < rate429) return { status: 429 };
    if (draw < rate429 + rate500) return { status: 500 };
    return undefined;
  }

  /** A second stream from the same seed for latency jitter, so jitter never shifts fault draws. */
  jitterSource(): () => number {
    return seededRandom(this.seed ^ 0x9e3779b9);
  }
}
