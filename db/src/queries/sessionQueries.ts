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
 * newest), plus whether older ones exist.
 */
export async function getHistory(
  db: Db,
  sessionId: string,
  opts: { before?: string; limit: number },
): Promise<{ messages: ChatMessage[]; hasMore: boolean } | null> {
  const where: WhereOptions = { sessionId };
  if (opts.before) {
    const anchor = await db.models.ChatMessage.findOne({ where: { id: opts.before, sessionId } });
    if (!anchor) return null;
    Object.assign(where, {
      [Op.or]: [
        { createdAt: { [Op.lt]: anchor.createdAt } },
        { createdAt: anchor.createdAt, id: { [Op.lt]: anchor.id } },
      ],
    });
  }
  const rows = await db.models.ChatMessage.findAll({
    where,
    include: [{ association: "author" }],
    order: [
      ["createdAt", "DESC"],
      ["id", "DESC"],
    ],
    limit: opts.limit + 1,
  });
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

/**
 * Messages containing `q` (case-insensitive, literal — no wildcards) in the user's
 * sessions, newest first.
 */
export async function searchMessages(
  db: Db,
  userId: string,
  q: string,
  limit: number,
): Promise<{ message: ChatMessage; session: ChatSession }[]> {
  const memberships = await db.models.SessionMember.findAll({ where: { userId } });
  if (memberships.length === 0) return [];
  const { fn, col, where: sqlWhere } = db.sequelize;
  const position = db.dialect === "postgres" ? "strpos" : "instr";
  const rows = await db.models.ChatMessage.findAll({
    where: {
      [Op.and]: [
        { sessionId: memberships.map((m) => m.sessionId) },
        sqlWhere(fn(position, fn("lower", col("ChatMessage.content")), q.toLowerCase()), Op.gt, 0),
      ],
    },
    include: [{ association: "author" }, { association: "session" }],
    order: [["createdAt", "DESC"]],
    limit,
  });
  return rows.map((message) => ({
    message,
    session: (message as ChatMessage & { session: ChatSession }).session,
  }));
}
