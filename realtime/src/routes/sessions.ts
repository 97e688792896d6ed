import { authorize, notFound } from "@engunity/core";
import {
  countMembers,
  createSession,
  getHistory,
  listSessionsForUser,
  markAllRead,
  markRead,
  presentMessage,
  presentSession,
  sessionUsage,
  unreadCounts,
} from "@engunity/db";
import {
  createSessionBodySchema,
  historyQuerySchema,
  idParamSchema,
  markReadBodySchema,
  patchSessionBodySchema,
  type SessionListItem,
  sendMessageBodySchema,
} from "@engunity/shared";
import { type RequestHandler, Router } from "express";
import { presentMembers, publish } from "../announce";
import { announceRead } from "../announceActivity";
import { sendMessage } from "../commands/sendMessage";
import { editSession, removeSession } from "../commands/sessionCommands";
import type { AppContext } from "../context";
import { parse } from "../http/validate";
import { currentUser } from "../middleware/authenticate";
import { limitWrites } from "../middleware/limitWrites";
import { streamAnswer, waitForAnswer } from "./aiAnswers";

/** A `:id` route parameter; a malformed id is just a session that does not exist. */
export function sessionIdParam(raw: unknown): string {
  const parsed = idParamSchema.safeParse(raw);
  if (!parsed.success) throw notFound("Session");
  return parsed.data;
}

/** `/chat`: sessions, their history, and sending messages. */
export function sessionRoutes(ctx: AppContext, authenticate: RequestHandler): Router {
  const router = Router();
  router.use(authenticate);
  const writes = limitWrites(ctx);

  router.get("/", async (req, res) => {
    const user = currentUser(req);
    const [listings, unread] = await Promise.all([
      listSessionsForUser(ctx.db, user.id),
      unreadCounts(ctx.db, user.id),
    ]);
    res.json({
      sessions: listings.map(({ session, membership, memberCount }) => {
        const unreadCount = unread.get(session.id) ?? 0;
        return {
          ...presentSession(session, membership.role, memberCount),
          unread: unreadCount > 0,
          unreadCount,
          lastReadMessageId: membership.lastReadMessageId ?? null,
        } satisfies SessionListItem;
      }),
    });
  });

  // Before `/:id`: "read-all" is not a session id.
  router.post("/read-all", async (req, res) => {
    const user = currentUser(req);
    const states = await markAllRead(ctx.db, user.id);
    for (const state of states) announceRead(ctx, user.id, state);
    res.json({ sessions: states });
  });

  router.post("/:id/read", async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    const user = currentUser(req);
    const body = parse(markReadBodySchema, req.body ?? {});
    await authorize(ctx.db, user.id, sessionId, "read");
    const state = await markRead(ctx.db, sessionId, user.id, body.messageId);
    if (!state) throw notFound("Message");
    announceRead(ctx, user.id, state);
    res.json(state);
  });

  router.post("/sessions", writes, async (req, res) => {
    const body = parse(createSessionBodySchema, req.body ?? {});
    const session = await createSession(ctx.db, currentUser(req).id, body.title ?? "");
    ctx.watch(session.id, currentUser(req).id);
    res.status(201).json(presentSession(session, "owner", 1));
  });

  router.post("/", async (req, res) => {
    const body = parse(sendMessageBodySchema, req.body);
    const user = currentUser(req);
    const { session, role, message, assistantMessage, events } = await sendMessage(ctx, {
      ...body,
      userId: user.id,
    });
    // A session this send created: the sender's other devices watch it from now on.
    if (!body.sessionId) ctx.watch(session.id, user.id);
    await publish(ctx, events);
    const memberCount = await countMembers(ctx.db, session.id);
    const first = {
      session: presentSession(session, role, memberCount),
      userMessage: presentMessage(message),
      assistantMessage: assistantMessage ? presentMessage(assistantMessage) : null,
    };
    if (
      assistantMessage &&
      req.accepts(["application/json", "text/event-stream"]) === "text/event-stream"
    ) {
      return streamAnswer(ctx, req, res, first, assistantMessage.id);
    }
    const answer = assistantMessage ? await waitForAnswer(ctx, assistantMessage.id) : null;
    res.json({ ...first, assistantMessage: answer ? presentMessage(answer) : null });
  });

  // The session menu's token gauge: what this session's answers cost, by asker and model.
  router.get("/:id/usage", async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    await authorize(ctx.db, currentUser(req).id, sessionId, "read");
    res.json(await sessionUsage(ctx.db, sessionId));
  });

  router.get("/:id", async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    const user = currentUser(req);
    const membership = await authorize(ctx.db, user.id, sessionId, "read");
    const query = parse(historyQuerySchema, req.query, "Query");
    const history = await getHistory(ctx.db, sessionId, query);
    if (!history) throw notFound("Message");
    const session = await ctx.db.models.ChatSession.findByPk(sessionId);
    if (!session) throw notFound("Session");
    const members = await presentMembers(ctx, ctx.db, sessionId);
    // Opening a session at its newest page reads it; paging and windows do not.
    const newest = !query.before && !query.after && !query.around;
    const read = newest ? await markRead(ctx.db, sessionId, user.id) : null;
    if (read) announceRead(ctx, user.id, read);
    res.json({
      session: presentSession(session, membership.role, members.length),
      messages: history.messages.map(presentMessage),
      members,
      hasMore: history.hasMore,
      ...(history.hasNewer !== undefined ? { hasNewer: history.hasNewer } : {}),
      lastReadMessageId: read?.lastReadMessageId ?? membership.lastReadMessageId ?? null,
    });
  });

  router.patch("/:id", writes, async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    const body = parse(patchSessionBodySchema, req.body);
    const { result, events } = await editSession(ctx, currentUser(req).id, sessionId, body);
    await publish(ctx, events);
    res.json(presentSession(result.session, result.role, await countMembers(ctx.db, sessionId)));
  });

  router.delete("/:id", writes, async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    await publish(ctx, await removeSession(ctx, currentUser(req).id, sessionId));
    res.status(204).end();
  });

  return router;
}
