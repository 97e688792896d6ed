import { presentMessage } from "@engunity/db";
import {
  editPayloadSchema,
  idParamSchema,
  regeneratePayloadSchema,
  stopPayloadSchema,
} from "@engunity/shared";
import { type RequestHandler, Router } from "express";
import { publish } from "../announce";
import { stopAi } from "../commands/aiControl";
import {
  continueAnswer,
  editMessage,
  messageVersions,
  regenerateAnswer,
} from "../commands/answerControls";
import type { AppContext } from "../context";
import { parse } from "../http/validate";
import { currentUser } from "../middleware/authenticate";
import { limitWrites } from "../middleware/limitWrites";
import { sessionIdParam } from "./sessions";

/** `POST /chat/:id/stop` and `GET /providers`. */
export function aiRoutes(ctx: AppContext, authenticate: RequestHandler): Router {
  const router = Router();
  router.get("/providers", authenticate, async (_req, res) => {
    res.json(await ctx.catalog.listing());
  });
  router.post("/chat/:id/stop", authenticate, limitWrites(ctx), async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    const { messageId } = parse(stopPayloadSchema.pick({ messageId: true }), req.body);
    await publish(ctx, await stopAi(ctx, currentUser(req).id, sessionId, messageId));
    res.json({ ok: true });
  });
  // Answer controls: the same commands as the socket events.
  const ids = (req: { params: Record<string, unknown> }) => ({
    sessionId: sessionIdParam(req.params.id),
    messageId: parse(idParamSchema, req.params.messageId),
  });
  router.post("/chat/:id/messages/:messageId/regenerate", authenticate, async (req, res) => {
    const { sessionId, messageId } = ids(req);
    const pref = parse(
      regeneratePayloadSchema.pick({ provider: true, model: true }),
      req.body ?? {},
    );
    const { message, events } = await regenerateAnswer(
      ctx,
      currentUser(req).id,
      sessionId,
      messageId,
      pref,
    );
    await publish(ctx, events);
    res.status(202).json({ message: presentMessage(message) });
  });
  router.post("/chat/:id/messages/:messageId/continue", authenticate, async (req, res) => {
    const { sessionId, messageId } = ids(req);
    const { message, events } = await continueAnswer(
      ctx,
      currentUser(req).id,
      sessionId,
      messageId,
    );
    await publish(ctx, events);
    res.status(202).json({ message: presentMessage(message) });
  });
  router.patch("/chat/:id/messages/:messageId", authenticate, async (req, res) => {
    const { sessionId, messageId } = ids(req);
    const { content } = parse(editPayloadSchema.pick({ content: true }), req.body);
    const out = await editMessage(ctx, currentUser(req).id, sessionId, messageId, content);
    await publish(ctx, out.events);
    res.json({
      message: presentMessage(out.message),
      ...(out.assistantMessage ? { assistantMessage: presentMessage(out.assistantMessage) } : {}),
    });
  });
  router.get("/chat/:id/messages/:messageId/versions", authenticate, async (req, res) => {
    const { sessionId, messageId } = ids(req);
    res.json(await messageVersions(ctx, currentUser(req).id, sessionId, messageId));
  });
  return router;
}
