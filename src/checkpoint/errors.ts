/** Why a checkpoint store could not be opened; lets the CLI pick a hint without parsing text. */
export type CheckpointFailureReason =
  | "bad-uri"
  | "bad-schema"
  | "refused"
  | "host-not-found"
  | "unreachable"
  | "timeout"
  | "auth-failed"
  | "no-database"
  | "permission-denied"
  | "server-error"
  | "file-error"
  | "damaged";

/** A misconfigured or unreachable checkpoint store. Messages never contain a password. */
export class CheckpointConfigError extends Error {
  override readonly name = "CheckpointConfigError";
  readonly reason: CheckpointFailureReason;

  constructor(reason: CheckpointFailureReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}
