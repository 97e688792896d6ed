import { authorize } from "@engunity/core";
import { type RequestHandler, Router } from "express";
import type { AppContext } from "../context";
import { currentUser } from "../middleware/authenticate";
import { ticketStoreFor } from "../yjs/tickets";
import { sessionIdParam } from "./sessions";

/**
 * `POST /chat/:id/yjs-ticket`: a single-use ticket for the session's Yjs doc (any
 * member), rate-limited per user (its own bucket of the write limiter).
 */
export function yjsTicketRoutes(ctx: AppContext, authenticate: RequestHandler): Router {
  const router = Router();
  router.post("/:id/yjs-ticket", authenticate, async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    const user = currentUser(req);
    await ctx.limiters.writes.consume(`ticket:${user.id}`);
    await authorize(ctx.db, user.id, sessionId, "read");
    const ticket = await ticketStoreFor(ctx).issue({
      userId: user.id,
      sessionId,
      jti: user.claims.jti,
      exp: user.claims.exp,
    });
    res.json({ ticket });
  });
  return router;
}
