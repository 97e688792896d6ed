import {
  ConnectionAcquireTimeoutError,
  ConnectionError,
  TimeoutError,
  UniqueConstraintError,
} from "sequelize";

/** True for a unique-index violation (an idempotency key seen before, a taken username). */
export function isUniqueViolation(err: unknown): err is UniqueConstraintError {
  return err instanceof UniqueConstraintError;
}

/**
 * A session's statement has more sends waiting behind it than the node holds (a database
 * that stopped answering): the send is refused as unavailable, not queued without end.
 */
export class SendQueueFull extends Error {
  constructor() {
    super("too many sends waiting for this session's statement");
    this.name = "SendQueueFull";
  }
}

/** True when the database cannot be reached right now (down, restarting, pool exhausted). */
export function isUnavailableError(err: unknown): boolean {
  if (err instanceof SendQueueFull) return true;
  if (err instanceof ConnectionError || err instanceof ConnectionAcquireTimeoutError) return true;
  if (err instanceof TimeoutError) return true;
  const parent = (err as { parent?: { code?: string; message?: string } })?.parent;
  const code = parent?.code;
  // 57P01 admin_shutdown, 57P03 cannot_connect_now (starting up), 08xxx connection exceptions.
  if (code === "57P01" || code === "57P03" || (typeof code === "string" && code.startsWith("08")))
    return true;
  if (code === "ECONNREFUSED" || code === "ECONNRESET" || code === "EPIPE") return true;
  // node-postgres reports a socket that died under a query without a code.
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
    parent?.message ?? "",
  );
}
