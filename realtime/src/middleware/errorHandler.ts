import { AppError, payloadTooLarge, toAppError, validationFailed } from "@engunity/core";
import type { ErrorRequestHandler, RequestHandler } from "express";
import type { AppContext } from "../context";
import { recordDbError } from "../failureEvents";

/** body-parser's errors carry a `type`; map them to the contract's codes. */
function fromBodyParser(err: unknown): AppError | null {
  const type = (err as { type?: string })?.type;
  if (type === "entity.parse.failed") return validationFailed("Malformed JSON body");
  if (type === "entity.too.large") return payloadTooLarge("Request body is too large");
  if (type === "encoding.unsupported" || type === "charset.unsupported") {
    return validationFailed("Unsupported body encoding");
  }
  return null;
}

/** Turns anything thrown into the contract's error shape; logs only what is ours. */
export function errorHandler(ctx: AppContext): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = fromBodyParser(err) ?? toAppError(err);
    ctx.metrics.errors.inc({ code: appError.code, transport: "http" });
    if (appError.status >= 500) recordDbError(ctx, appError, err);
    if (appError.report) {
      ctx.logger.error(
        { err: appError.cause ?? err, method: req.method, url: req.path },
        "request failed",
      );
    } else if (appError.code === "unavailable") {
      ctx.logger.warn({ err: appError.cause, url: req.path }, "dependency unavailable");
    }
    if (appError.retryAfter) res.setHeader("Retry-After", String(appError.retryAfter));
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(appError.status).json(appError.toBody());
  };
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new AppError("not_found", "No such route"));
};
