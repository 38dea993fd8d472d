/**
 * What bin/fanout.js answers before it loads the bundle: --help needs only the argument parser,
 * built alone into dist/cli/front.cjs, a few kilobytes instead of the bundle's megabytes.
 */
import { HELP, parseCliArgs } from "./args.js";

export { HELP };

/** True when the arguments ask for help; anything else, bad arguments included, is main()'s to answer. */
export function helpRequested(argv: string[]): boolean {
  try {
    return parseCliArgs(argv).command === "help";
  } catch {
    return false;
  }
}
