import { isUnavailableError } from "@engunity/db";
import { ERROR_STATUS, type ErrorBody, type ErrorCode } from "@engunity/shared";
import { ZodError } from "zod";

/**
 * The one error type the domain throws. Transports turn it into the contract's
 * error shape (`{error: {code, message, details?}}`) with the matching status.
 */
export class AppError extends Error {
  override name = "AppError";
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;
  /** Seconds, for `rate_limited`. */
  readonly retryAfter?: number;
  /** Whether the failure is ours (logged at error level) rather than the caller's. */
  readonly report: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: unknown; retryAfter?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = options.details;
    this.retryAfter = options.retryAfter;
    this.report = this.status >= 500 && code !== "unavailable";
  }

  toBody(): ErrorBody {
    const error: ErrorBody["error"] = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

export const validationFailed = (message: string, details?: unknown) =>
  new AppError("validation_failed", message, { details });
export const unauthorized = (message = "Authentication required") =>
  new AppError("unauthorized", message);
export const forbidden = (message = "You do not have permission to do that") =>
  new AppError("forbidden", message);
export const notFound = (what = "Resource") => new AppError("not_found", `${what} not found`);
export const conflict = (message: string) => new AppError("conflict", message);
export const payloadTooLarge = (message: string) => new AppError("payload_too_large", message);
export const unsupportedMediaType = (message: string) =>
  new AppError("unsupported_media_type", message);
export const rateLimited = (retryAfterSeconds: number) =>
  new AppError("rate_limited", `Too many requests; try again in ${retryAfterSeconds} s`, {
    retryAfter: retryAfterSeconds,
    details: { retryAfter: retryAfterSeconds },
  });
export const unavailable = (message = "Service temporarily unavailable", cause?: unknown) =>
  new AppError("unavailable", message, { cause });
export const internal = (cause?: unknown) =>
  new AppError("internal", "Something went wrong on our side", { cause });

/** Zod issues as `details`: a path and a message each, never the rejected value. */
export function fromZod(err: ZodError, what = "Request"): AppError {
  const details = err.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  const first = details[0];
  const where = first?.path ? ` at "${first.path}"` : "";
  return validationFailed(`${what} is invalid${where}: ${first?.message ?? "bad input"}`, details);
}

/** Any thrown value as an AppError: zod → 400, database down → 503, else 500. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return fromZod(err);
  if (isUnavailableError(err))
    return unavailable("The database is unavailable; try again shortly", err);
  return internal(err);
}

/** Any thrown value as an Error, for logging. */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
