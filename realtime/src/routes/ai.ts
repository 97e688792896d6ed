import { listProviders } from "@engunity/core";
import { stopPayloadSchema } from "@engunity/shared";
import { type RequestHandler, Router } from "express";
import { stopAi } from "../commands/aiControl";
import type { AppContext } from "../context";
import { parse } from "../http/validate";
import { currentUser } from "../middleware/authenticate";
import { limitWrites } from "../middleware/limitWrites";
import { sessionIdParam } from "./sessions";

/** `POST /chat/:id/stop` and `GET /providers`. */
export function aiRoutes(ctx: AppContext, authenticate: RequestHandler): Router {
  const router = Router();
  router.get("/providers", authenticate, (_req, res) => {
    res.json(listProviders(ctx.config));
  });
  router.post("/chat/:id/stop", authenticate, limitWrites(ctx), async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    const { messageId } = parse(stopPayloadSchema.pick({ messageId: true }), req.body);
    await stopAi(ctx, currentUser(req).id, sessionId, messageId);
    res.json({ ok: true });
  });
  return router;
}
