import { ProviderCatalog } from "@engunity/core";
import { stopPayloadSchema } from "@engunity/shared";
import { type RequestHandler, Router } from "express";
import { stopAi } from "../commands/aiControl";
import type { AppContext } from "../context";
import { parse } from "../http/validate";
import { currentUser } from "../middleware/authenticate";
import { sessionIdParam } from "./sessions";

const catalogs = new WeakMap<AppContext, ProviderCatalog>();

/** The node's provider catalog (one per context, so the model lists are cached). */
export function providerCatalog(ctx: AppContext): ProviderCatalog {
  let catalog = catalogs.get(ctx);
  if (!catalog) {
    catalog = new ProviderCatalog(ctx.config, ctx.ai.health, { logger: ctx.logger });
    catalogs.set(ctx, catalog);
  }
  return catalog;
}

/** `POST /chat/:id/stop` and `GET /providers`. */
export function aiRoutes(ctx: AppContext, authenticate: RequestHandler): Router {
  const router = Router();
  router.get("/providers", authenticate, async (_req, res) => {
    res.json(await providerCatalog(ctx).listing());
  });
  router.post("/chat/:id/stop", authenticate, async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    const { messageId } = parse(stopPayloadSchema.pick({ messageId: true }), req.body);
    await stopAi(ctx, currentUser(req).id, sessionId, messageId);
    res.json({ ok: true });
  });
  return router;
}
