import { authorizeWidgetKey, forbidden, notFound } from "@engunity/core";
import {
  keyCreators,
  listWidgetKeys,
  presentSession,
  presentWidgetKey,
  visitorsOfKeys,
} from "@engunity/db";
import {
  createWidgetKeyBodySchema,
  createWidgetTokenBodySchema,
  idParamSchema,
  type WidgetEmbedConfig,
  type WidgetSessionGroup,
} from "@engunity/shared";
import { type RequestHandler, Router } from "express";
import { publish } from "../announce";
import {
  createKey,
  joinVisitorSession,
  revokeKey,
  rotateKey,
  visitorDocument,
} from "../commands/widgetKeys";
import { exchangeWidgetToken, keyFromHeader } from "../commands/widgetTokenExchange";
import type { AppContext } from "../context";
import { parse } from "../http/validate";
import { currentUser } from "../middleware/authenticate";
import { sendDocumentFile } from "./documents";

function keyIdParam(raw: unknown): string {
  const parsed = idParamSchema.safeParse(raw);
  if (!parsed.success) throw notFound("Widget key");
  return parsed.data;
}

/**
 * `/widget`: keys (owner of a session or an admin), the server-to-server token
 * exchange, the team's view of widget sessions, and the embed page's public config.
 */
export function widgetRoutes(ctx: AppContext, authenticate: RequestHandler): Router {
  const router = Router();

  router.post("/keys", authenticate, async (req, res) => {
    const body = parse(createWidgetKeyBodySchema, req.body);
    const { key, secret } = await createKey(ctx, currentUser(req).model, body);
    res
      .status(201)
      .json({ key: secret, widgetKey: presentWidgetKey(key, await keyCreators(ctx.db, [key])) });
  });

  router.get("/keys", authenticate, async (req, res) => {
    const keys = await listWidgetKeys(ctx.db, currentUser(req).model);
    const creators = await keyCreators(ctx.db, keys);
    res.json({ keys: keys.map((k) => presentWidgetKey(k, creators)) });
  });

  router.post("/keys/:id/rotate", authenticate, async (req, res) => {
    const { key, secret } = await rotateKey(ctx, currentUser(req).model, keyIdParam(req.params.id));
    res.json({ key: secret, widgetKey: presentWidgetKey(key, await keyCreators(ctx.db, [key])) });
  });

  router.post("/keys/:id/revoke", authenticate, async (req, res) => {
    const key = await revokeKey(ctx, currentUser(req).model, keyIdParam(req.params.id));
    res.json({ widgetKey: presentWidgetKey(key, await keyCreators(ctx.db, [key])) });
  });

  // Server to server: a browser would send an Origin, and a key in a page is a leaked key.
  router.post("/tokens", async (req, res) => {
    if (req.headers.origin !== undefined) {
      throw forbidden("Widget keys are for your backend: exchange them server to server");
    }
    const key = await keyFromHeader(ctx, req.header("x-widget-key"));
    const body = parse(createWidgetTokenBodySchema, req.body);
    const { result, events } = await exchangeWidgetToken(ctx, key, body);
    await publish(ctx, events);
    res.status(201).json(result);
  });

  router.get("/sessions", authenticate, async (req, res) => {
    const user = currentUser(req);
    const keys = await listWidgetKeys(ctx.db, user.model);
    const visitors = await visitorsOfKeys(
      ctx.db,
      keys.map((k) => k.id),
    );
    const sessionIds = [...new Set(visitors.flatMap((v) => (v.sessionId ? [v.sessionId] : [])))];
    const [sessions, mine] = await Promise.all([
      ctx.db.models.ChatSession.findAll({ where: { id: sessionIds } }),
      ctx.db.models.SessionMember.findAll({ where: { sessionId: sessionIds, userId: user.id } }),
    ]);
    const byId = new Map(sessions.map((s) => [s.id, s]));
    const joined = new Set(mine.map((m) => m.sessionId));
    const creators = await keyCreators(ctx.db, keys);
    const groups: WidgetSessionGroup[] = keys.map((key) => ({
      key: presentWidgetKey(key, creators),
      sessions: visitors.flatMap((v) => {
        const s = v.keyId === key.id && v.sessionId ? byId.get(v.sessionId) : undefined;
        if (!s) return [];
        return [
          {
            sessionId: s.id,
            title: s.title,
            activityAt: s.activityAt.toISOString(),
            visitor: { userId: v.userId, name: v.name, pageUrl: v.pageUrl },
            joined: joined.has(s.id),
          },
        ];
      }),
    }));
    res.json({ groups });
  });

  // A key's manager joins a visitor's session to answer (an admin is not a member yet).
  router.post("/keys/:id/sessions/:sessionId/join", authenticate, async (req, res) => {
    const user = currentUser(req);
    const key = await authorizeWidgetKey(ctx.db, user.model, keyIdParam(req.params.id));
    const sessionId = keyIdParam(req.params.sessionId);
    const { result, events } = await joinVisitorSession(ctx, user.id, key, sessionId);
    await publish(ctx, events);
    const memberCount = await ctx.db.models.SessionMember.count({ where: { sessionId } });
    res.json(presentSession(result.session, result.role, memberCount));
  });

  // The visitor opens a cited document: one of their session's own or one the key
  // shares into it, with their widget token (the one REST route that takes one).
  router.get("/documents/:id/download", async (req, res) => {
    const doc = await visitorDocument(ctx, req.header("authorization"), req.params.id);
    await sendDocumentFile(ctx, res, doc);
  });

  // Public: the embed page shows the team's name before its token arrives.
  router.get("/embed/:id", async (req, res) => {
    const key = await ctx.db.models.WidgetKey.findByPk(keyIdParam(req.params.id));
    if (!key || key.revokedAt) throw notFound("Widget key");
    const config: WidgetEmbedConfig = {
      keyId: key.id,
      teamName: key.teamName,
      allowedOrigins: key.allowedOrigins,
    };
    res.json(config);
  });

  return router;
}
