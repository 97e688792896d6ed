import { Op, type WhereOptions } from "sequelize";
import type { Db } from "../index";
import type { ChatMessage } from "../models/ChatMessage";
import type { ChatSession } from "../models/ChatSession";
import type { SessionMember } from "../models/SessionMember";

export interface SessionListing {
  session: ChatSession;
  membership: SessionMember;
  memberCount: number;
}

/** The user's sessions (owned and shared), newest activity first. */
export async function listSessionsForUser(db: Db, userId: string): Promise<SessionListing[]> {
  const memberships = await db.models.SessionMember.findAll({ where: { userId } });
  if (memberships.length === 0) return [];
  const ids = memberships.map((m) => m.sessionId);
  const [sessions, counts] = await Promise.all([
    db.models.ChatSession.findAll({
      where: { id: ids },
      order: [
        ["activityAt", "DESC"],
        ["id", "ASC"],
      ],
    }),
    db.models.SessionMember.count({ where: { sessionId: ids }, group: ["session_id"] }),
  ]);
  const countBy = new Map(
    (counts as unknown as { session_id?: string; sessionId?: string; count: number }[]).map((c) => [
      c.session_id ?? c.sessionId,
      Number(c.count),
    ]),
  );
  const memberBy = new Map(memberships.map((m) => [m.sessionId, m]));
  return sessions.map((session) => ({
    session,
    membership: memberBy.get(session.id)!,
    memberCount: countBy.get(session.id) ?? 1,
  }));
}

/**
 * One page of history, oldest first: the `limit` messages before `before` (or the
 * newest), plus whether older ones exist. With `after`: the `limit` messages after
 * it; with `around`: a window of `limit` with it in the middle. Those two also say
 * whether newer messages exist beyond the page (`hasNewer`). Null: the anchor is not
 * a message of the session.
 */
export async function getHistory(
  db: Db,
  sessionId: string,
  opts: { before?: string; after?: string; around?: string; limit: number },
): Promise<{ messages: ChatMessage[]; hasMore: boolean; hasNewer?: boolean } | null> {
  const anchorId = opts.before ?? opts.after ?? opts.around;
  const anchor = anchorId
    ? await db.models.ChatMessage.findOne({ where: { id: anchorId, sessionId } })
    : null;
  if (anchorId && !anchor) return null;
  // Older than the anchor (inclusive for `around`), newest first.
  const older = (limit: number, inclusive: boolean) => {
    const where: WhereOptions = { sessionId };
    if (anchor) {
      Object.assign(where, {
        [Op.or]: [
          { createdAt: { [Op.lt]: anchor.createdAt } },
          { createdAt: anchor.createdAt, id: { [inclusive ? Op.lte : Op.lt]: anchor.id } },
        ],
      });
    }
    return db.models.ChatMessage.findAll({
      where,
      include: [{ association: "author" }],
      order: [
        ["createdAt", "DESC"],
        ["id", "DESC"],
      ],
      limit: limit + 1,
    });
  };
  const newer = (limit: number) =>
    db.models.ChatMessage.findAll({
      where: {
        sessionId,
        [Op.or]: [
          { createdAt: { [Op.gt]: anchor!.createdAt } },
          { createdAt: anchor!.createdAt, id: { [Op.gt]: anchor!.id } },
        ],
      },
      include: [{ association: "author" }],
      order: [
        ["createdAt", "ASC"],
        ["id", "ASC"],
      ],
      limit: limit + 1,
    });
  if (opts.after) {
    const rows = await newer(opts.limit);
    return {
      messages: rows.slice(0, opts.limit),
      hasMore: true,
      hasNewer: rows.length > opts.limit,
    };
  }
  if (opts.around) {
    const half = Math.max(1, Math.floor(opts.limit / 2));
    const [before, after] = await Promise.all([older(opts.limit - half, true), newer(half)]);
    const kept = before.slice(0, opts.limit - half).reverse();
    return {
      messages: [...kept, ...after.slice(0, half)],
      hasMore: before.length > opts.limit - half,
      hasNewer: after.length > half,
    };
  }
  const rows = await older(opts.limit, false);
  const hasMore = rows.length > opts.limit;
  return { messages: rows.slice(0, opts.limit).reverse(), hasMore };
}

/** Every message of a session, oldest first (export). */
export async function getAllMessages(db: Db, sessionId: string): Promise<ChatMessage[]> {
  return db.models.ChatMessage.findAll({
    where: { sessionId },
    include: [{ association: "author" }],
    order: [
      ["createdAt", "ASC"],
      ["id", "ASC"],
    ],
  });
}
