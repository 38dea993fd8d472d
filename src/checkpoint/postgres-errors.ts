import { CheckpointConfigError, type CheckpointFailureReason } from "./errors.js";
import { scrub, type PostgresTarget } from "./postgres-uri.js";

interface DriverError {
  code?: string;
  message: string;
}

/** Turns a pg / socket error met while opening into one line naming the server and the cause. */
export function describePgError(error: unknown, target: PostgresTarget, timeoutMs: number): CheckpointConfigError {
  if (error instanceof CheckpointConfigError) return error;
  const driver = asDriverError(error);
  const [reason, why] = explain(driver, target, timeoutMs);
  const message = scrub(`Cannot open Postgres checkpoints at ${target.masked}: ${why}`, target.secrets);
  // The original error is kept for debugging, but only as a scrubbed copy: driver errors can quote the query.
  const cause = Object.assign(new Error(scrub(driver.message, target.secrets)), { code: driver.code });
  return new CheckpointConfigError(reason, message, { cause });
}

function explain(e: DriverError, t: PostgresTarget, timeoutMs: number): [CheckpointFailureReason, string] {
  const where = `${t.host}:${t.port}`;
  switch (e.code) {
    case "ECONNREFUSED":
      return ["refused", `connection refused (is PostgreSQL running and listening on ${where}?)`];
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return ["host-not-found", `host ${t.host} not found`];
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return ["unreachable", `host ${t.host} unreachable`];
    case "ETIMEDOUT":
      return ["timeout", `timed out connecting to ${where}`];
    case "28P01":
      return ["auth-failed", `password authentication failed for user "${t.user}"`];
    case "28000":
      return ["auth-failed", `authentication rejected: ${e.message}`];
    case "3D000":
      return ["no-database", `database "${t.database}" does not exist`];
    case "42501":
      return ["permission-denied", `${e.message} (user "${t.user}" needs CREATE on database "${t.database}" to set up the checkpoint schema)`];
  }
  if (/timeout|timed out/i.test(e.message)) {
    return ["timeout", `no answer from ${where} within ${timeoutMs} ms`];
  }
  if (/client password must be a string/i.test(e.message)) {
    return ["auth-failed", "the server asks for a password and POSTGRES_URI has none"];
  }
  if (/terminated unexpectedly|ECONNRESET/i.test(e.message) || e.code === "ECONNRESET") {
    return ["refused", `connection closed by ${where} (not a PostgreSQL server, or TLS settings differ)`];
  }
  return ["server-error", e.message];
}

function asDriverError(error: unknown): DriverError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { message: error.message, code: typeof code === "string" ? code : undefined };
  }
  return { message: String(error) };
}
