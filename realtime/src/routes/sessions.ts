import { authorize, notFound } from "@engunity/core";
import {
  countMembers,
  createSession,
  deleteSession,
  getHistory,
  listSessionsForUser,
  markRead,
  presentMessage,
  presentSession,
  updateSession,
} from "@engunity/db";
import {
  createSessionBodySchema,
  historyQuerySchema,
  idParamSchema,
  patchSessionBodySchema,
  sendMessageBodySchema,
} from "@engunity/shared";
import { type RequestHandler, Router } from "express";
import { announce, presentMembers, publish } from "../announce";
import { sendMessage } from "../commands/sendMessage";
import type { AppContext } from "../context";
import { parse } from "../http/validate";
import { currentUser } from "../middleware/authenticate";
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

  router.get("/", async (req, res) => {
    const user = currentUser(req);
    const listings = await listSessionsForUser(ctx.db, user.id);
    res.json({
      sessions: listings.map(({ session, membership, memberCount }) => ({
        ...presentSession(session, membership.role, memberCount),
        unread:
          membership.lastReadAt === null ||
          session.activityAt.getTime() > (membership.lastReadAt?.getTime() ?? 0),
      })),
    });
  });

  router.post("/sessions", async (req, res) => {
    const body = parse(createSessionBodySchema, req.body ?? {});
    const session = await createSession(ctx.db, currentUser(req).id, body.title ?? "");
    res.status(201).json(presentSession(session, "owner", 1));
  });

  router.post("/", async (req, res) => {
    const body = parse(sendMessageBodySchema, req.body);
    const user = currentUser(req);
    const { session, role, message, assistantMessage, events } = await sendMessage(ctx, {
      ...body,
      userId: user.id,
    });
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
    if (!query.before) await markRead(ctx.db, sessionId, user.id);
    res.json({
      session: presentSession(session, membership.role, members.length),
      messages: history.messages.map(presentMessage),
      members,
      hasMore: history.hasMore,
    });
  });

  router.patch("/:id", async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    const user = currentUser(req);
    const body = parse(patchSessionBodySchema, req.body);
    const membership = await authorize(
      ctx.db,
      user.id,
      sessionId,
      body.title !== undefined ? "editTitle" : "editSettings",
    );
    if (body.settings) await authorize(ctx.db, user.id, sessionId, "editSettings");
    const session = await updateSession(ctx.db, sessionId, body);
    // The co-edited title follows a REST rename, so doc and column stay equal.
    if (body.title !== undefined) await ctx.docs.setTitle(sessionId, session.title);
    await announce.sessionUpdated(ctx, session, membership.role);
    res.json(presentSession(session, membership.role, await countMembers(ctx.db, sessionId)));
  });

  router.delete("/:id", async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    await authorize(ctx.db, currentUser(req).id, sessionId, "delete");
    await deleteSession(ctx.db, sessionId);
    announce.sessionDeleted(ctx, sessionId);
    res.status(204).end();
  });

  return router;
}
