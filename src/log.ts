import pino, { type Logger } from "pino";
import { redactSecrets } from "./secrets.js";

/** Levels FANOUT_LOG_LEVEL accepts; "silent" turns logging off. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** FANOUT_LOG_LEVEL, or "warn": progress lines already tell a person what happens. */
export function logLevel(env: NodeJS.ProcessEnv = process.env): string {
  const wanted = env.FANOUT_LOG_LEVEL?.trim().toLowerCase();
  return wanted && (LOG_LEVELS as readonly string[]).includes(wanted) ? wanted : "warn";
}

/**
 * Structured JSON logs on stderr (fd 2), never stdout, where the CLI writes the report.
 * Messages pass through the secret redaction, since errors from services can echo keys.
 */
export const log: Logger = pino(
  {
    name: "fanout",
    level: logLevel(),
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => (typeof arg === "string" ? redactSecrets(arg) : arg)) as Parameters<typeof method>);
      },
    },
  },
  pino.destination({ fd: 2, sync: true }),
);
