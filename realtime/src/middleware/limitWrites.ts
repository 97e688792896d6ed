import type { RequestHandler } from "express";
import type { AppContext } from "../context";
import { currentUser } from "./authenticate";

/**
 * The write budget of a user (finding 9: 100 session creates in a burst, and a `PATCH`
 * flood that slowed everyone's sends): one bucket per user across every write route
 * (`WRITE_RATE_PER_MINUTE`), shared by every node through Redis. Goes after
 * `authenticate`. Message sends have their own, finer limiter.
 */
export function limitWrites(ctx: AppContext): RequestHandler {
  return (req, _res, next) => {
    ctx.limiters.writes.consume(currentUser(req).id).then(() => next(), next);
  };
}
