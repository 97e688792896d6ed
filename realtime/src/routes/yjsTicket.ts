import { authorize } from "@engunity/core";
import { type RequestHandler, Router } from "express";
import type { AppContext } from "../context";
import { currentUser } from "../middleware/authenticate";
import { limitWrites } from "../middleware/limitWrites";
import { sessionIdParam } from "./sessions";

/** `POST /chat/:id/yjs-ticket`: a single-use ticket for the session's Yjs doc (any member), rate-limited. */
export function yjsTicketRoutes(ctx: AppContext, authenticate: RequestHandler): Router {
  const router = Router();
  router.post("/:id/yjs-ticket", authenticate, limitWrites(ctx), async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    const user = currentUser(req);
    await authorize(ctx.db, user.id, sessionId, "read");
    const ticket = await ctx.tickets.issue({
      userId: user.id,
      sessionId,
      jti: user.claims.jti,
      exp: user.claims.exp,
    });
    res.json({ ticket });
  });
  return router;
}
