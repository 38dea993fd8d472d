import { createRequire } from "node:module";
import type { LogFn, Logger } from "pino";
import { redactSecrets } from "./secrets.js";

/** Levels FANOUT_LOG_LEVEL accepts; "silent" turns logging off. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** FANOUT_LOG_LEVEL, or "warn": progress lines already tell a person what happens. */
export function logLevel(env: NodeJS.ProcessEnv = process.env): string {
  const wanted = env.FANOUT_LOG_LEVEL?.trim().toLowerCase();
  return wanted && (LOG_LEVELS as readonly string[]).includes(wanted) ? wanted : "warn";
}

/** pino's numbers for the levels: a call below the chosen level is dropped without making the logger. */
const LEVEL_VALUES: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

const level = logLevel();
let logger: Logger | undefined;

/**
 * Structured JSON logs on stderr (fd 2), never stdout, where the CLI writes the report.
 * Messages pass through the secret redaction, since errors from services can echo keys.
 *
 * Made on the first message at or above the level: most runs log nothing, and pino with its
 * dependencies (~150 KB bundled) is then never loaded. Required from node_modules, not bundled,
 * because logging is synchronous and a dynamic import() is not.
 */
function pinoLogger(): Logger {
  if (logger) return logger;
  const pino = createRequire(import.meta.url)("pino") as typeof import("pino").default;
  logger = pino(
    {
      name: "fanout",
      level,
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === "string" ? redactSecrets(arg) : arg)) as Parameters<typeof method>);
        },
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
  return logger;
}

function method(name: "fatal" | "error" | "warn" | "info" | "debug" | "trace"): LogFn {
  return ((...args: Parameters<LogFn>) => {
    if (LEVEL_VALUES[name] < LEVEL_VALUES[level]) return;
    pinoLogger()[name](...args);
  }) as LogFn;
}

/** The process's logger (pino's methods, made on first use). */
export const log = {
  fatal: method("fatal"),
  error: method("error"),
  warn: method("warn"),
  info: method("info"),
  debug: method("debug"),
  trace: method("trace"),
};
