/** What every bench module exports: a run that returns one markdown section. */
export type BenchOptions = {
  /** Fewer repetitions: a smoke test of the numbers, not figures to publish. */
  quick: boolean;
};

export type BenchModule = {
  run(options?: BenchOptions): Promise<string>;
};

export const DEFAULT_OPTIONS: BenchOptions = { quick: false };
