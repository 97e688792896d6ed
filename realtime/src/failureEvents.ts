import type { AppError } from "@engunity/core";
import { isUnavailableError } from "@engunity/db";
import { BaseError } from "sequelize";
import type { AppContext } from "./context";

/** Records a database error for the admin dashboard when `err` (or its cause) is one. */
export function recordDbError(ctx: AppContext, appError: AppError, err: unknown): void {
  const cause = appError.cause ?? err;
  if (isUnavailableError(cause) || cause instanceof BaseError) {
    ctx.events.record({ kind: "db_error", detail: appError.code });
  }
}

/** Records a refused login, token or handshake (`what`) for the admin dashboard. */
export function recordAuthFailure(ctx: AppContext, what: string, userId?: string | null): void {
  ctx.events.record({ kind: "auth_failure", detail: what, userId: userId ?? null });
}
