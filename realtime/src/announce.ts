import { can } from "@engunity/core";
import type { ChatMessage, ChatSession, Db, Document } from "@engunity/db";
import {
  countMembers,
  listMembers,
  presentMember,
  presentMessage,
  presentRoomMessage,
  presentSession,
  visitorsByUser,
} from "@engunity/db";
import {
  LIMITS,
  type Member,
  type MembershipNotice,
  presenceFullRoom,
  sessionRoom,
  sessionWatchRoom,
  userRoom,
} from "@engunity/shared";
import { announceActivity } from "./announceActivity";
import { enqueueAnswer } from "./commands/askAi";
import type { AppContext } from "./context";
import type { DomainEvent } from "./events";

/**
 * Publishes what a command did, in order: room events first (so clients hold the
 * placeholder before its first `ai:start`), then the answer job (or the stop). The
 * job is enqueued before this resolves, so an acked send's answer is always queued.
 */
export async function publish(
  ctx: Pick<AppContext, "db" | "emitter" | "access">,
  events: readonly Extract<DomainEvent, { type: "session.updated" }>[],
): Promise<void>;
export async function publish(ctx: AppContext, events: readonly DomainEvent[]): Promise<void>;
export async function publish(
  context: Pick<AppContext, "db" | "emitter" | "access">,
  events: readonly DomainEvent[],
): Promise<void> {
  // The overloads let a part built before the context (the Yjs server) publish what
  // needs only the database, the emitter and the access cache.
  const ctx = context as AppContext;
  for (const event of events) {
    switch (event.type) {
      case "message.created":
        announce.messageNew(ctx, event.message);
        break;
      case "message.updated":
        announce.messageUpdated(ctx, event.message);
        break;
      case "answer.requested":
        await enqueueAnswer(ctx, event.userMessage, event.assistant, event.pref, event.revision);
        break;
      case "answer.stopRequested":
        await ctx.ai.bus.cancel(event.messageId, event.by);
        break;
      case "document.uploaded":
        await announce.documentUploaded(ctx, event.document);
        break;
      case "document.deleted":
        await announce.documentDeleted(ctx, event.sessionId, event.documentId);
        break;
      case "session.updated":
        ctx.access.drop({ sessionId: event.session.id });
        await announce.sessionUpdated(ctx, event.session, event.role);
        break;
      case "session.deleted":
        ctx.access.drop({ sessionId: event.sessionId });
        announce.sessionDeleted(ctx, event.sessionId);
        break;
      case "members.updated":
        await announce.membersUpdated(ctx, event.sessionId);
        break;
      case "membership.changed":
        announce.membership(ctx, event.userId, event.notice);
        break;
      case "member.joined":
        ctx.watch(event.sessionId, event.userId);
        break;
      case "member.removed":
        ctx.access.drop({ sessionId: event.sessionId, userId: event.userId });
        ctx.evict(event.sessionId, event.userId);
        break;
      case "member.roleChanged":
        ctx.access.drop({ sessionId: event.sessionId, userId: event.userId });
        ctx.roleChanged(event.sessionId, event.userId, can(event.role, "write"));
        break;
      case "user.updated":
        ctx.access.drop({ userId: event.userId });
        break;
    }
  }
}

/**
 * Room announcements of REST and socket writes alike, so every client sees the same
 * thing whichever transport made the change. `role` in a broadcast session is the
 * writer's; clients keep their own role and take the rest.
 */
export const announce = {
  messageNew(ctx: AppContext, message: ChatMessage): void {
    ctx.emitter.to(sessionRoom(message.sessionId)).emit("message:new", {
      sessionId: message.sessionId,
      message: presentRoomMessage(message),
    });
    // The sidebar of every member, whichever session they have open: on the next turn
    // of the loop, so that the sender's ack and this turn's other room events do not
    // wait behind a second publish (no one is waiting on `session:activity` to render
    // the message; those who view the session have it from `message:new`).
    setImmediate(() => {
      try {
        announceActivity(ctx, message);
      } catch (err) {
        ctx.logger.warn({ err }, "could not announce a message's activity");
      }
    });
  },

  async documentUploaded(ctx: AppContext, doc: Document): Promise<void> {
    const sessionId = doc.sessionId ?? "";
    await ctx.ai.ingest.enqueue({ documentId: doc.id, sessionId, enqueuedAt: Date.now() });
    ctx.emitter.to(sessionRoom(sessionId)).emit("document:progress", {
      sessionId,
      documentId: doc.id,
      status: "processing",
      progress: 0,
    });
  },

  async documentDeleted(ctx: AppContext, sessionId: string, documentId: string): Promise<void> {
    await ctx.ai.documents
      .publish({ type: "deleted", sessionId, documentId })
      .catch((err) => ctx.logger.warn({ err }, "could not announce a deleted document"));
    ctx.emitter.to(sessionRoom(sessionId)).emit("document:deleted", { sessionId, documentId });
  },

  messageUpdated(ctx: AppContext, message: ChatMessage): void {
    ctx.emitter.to(sessionRoom(message.sessionId)).emit("message:updated", {
      sessionId: message.sessionId,
      message: presentMessage(message),
    });
  },

  async sessionUpdated(
    ctx: Pick<AppContext, "db" | "emitter">,
    session: ChatSession,
    role: "owner" | "editor" | "viewer",
  ): Promise<void> {
    const memberCount = await countMembers(ctx.db, session.id);
    // The session room and its watch room (a rename reaches the sidebar of members
    // not viewing it); a socket in both gets it once.
    ctx.emitter
      .to([sessionRoom(session.id), sessionWatchRoom(session.id)])
      .emit("session:updated", { session: presentSession(session, role, memberCount) });
  },

  sessionDeleted(ctx: AppContext, sessionId: string): void {
    ctx.emitter.to(sessionRoom(sessionId)).emit("session:deleted", { sessionId });
    ctx.evict(sessionId);
  },

  /** Tells one person, on their personal channel, what became of their membership. */
  membership(ctx: AppContext, userId: string, notice: MembershipNotice): void {
    ctx.emitter.to(userRoom(userId)).emit("membership", notice);
  },

  /**
   * The first page of members and the count to the room; the whole list only to the
   * sockets that joined with `presence: "full"` — a room of thousands filling up through
   * a widget costs each socket a page per change, not the room.
   */
  async membersUpdated(ctx: AppContext, sessionId: string): Promise<void> {
    const room = sessionRoom(sessionId);
    const full = presenceFullRoom(sessionId);
    const [page, memberCount] = await Promise.all([
      presentMembers(ctx, ctx.db, sessionId, { offset: 0, limit: LIMITS.peoplePage }),
      countMembers(ctx.db, sessionId),
    ]);
    ctx.emitter.to(room, full).emit("member:updated", { sessionId, members: page, memberCount });
    if (memberCount <= page.length) {
      ctx.emitter.to(full).emit("member:updated", { sessionId, members: page, memberCount });
    } else {
      const members = await presentMembers(ctx, ctx.db, sessionId);
      ctx.emitter.to(full).emit("member:updated", { sessionId, members, memberCount });
    }
  },
};

/**
 * Members with their online flag, from the presence the gateway tracks, and the
 * "visitor" badge (key and page) on those who came in through a widget.
 */
export async function presentMembers(
  ctx: AppContext,
  db: Db,
  sessionId: string,
  page?: { offset: number; limit: number },
): Promise<Member[]> {
  const [members, online] = await Promise.all([
    loadMembers(db, sessionId, page),
    ctx.onlineUserIds(sessionId),
  ]);
  return markOnline(members, online);
}

/** Members as `presentMembers` gives them, before anyone is marked online. */
export async function loadMembers(
  db: Db,
  sessionId: string,
  page?: { offset: number; limit: number },
): Promise<Member[]> {
  const members = await listMembers(db, sessionId, page);
  const visitors = await visitorsByUser(
    db,
    members.filter((m) => m.role !== "owner").map((m) => m.userId),
  );
  return members.map((m) => {
    const member = presentMember(m);
    const v = visitors.get(m.userId);
    return v ? { ...member, visitor: { keyId: v.keyId, pageUrl: v.pageUrl } } : member;
  });
}

/** `members` with `online` set from who is here (new objects: the input may be shared). */
export function markOnline(
  members: readonly Member[],
  online: { has(userId: string): boolean },
): Member[] {
  return members.map((m) => ({ ...m, online: online.has(m.user.id) }));
}
