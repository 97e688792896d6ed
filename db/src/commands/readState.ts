import type { ReadState } from "@engunity/shared";
import { Op, QueryTypes } from "sequelize";
import type { Db } from "../index";
import type { ChatMessage } from "../models/ChatMessage";

// Unread: messages after the last-read one (by the history order, created_at then id),
// not written by the member. One grouped statement for every session of a user.
const UNREAD_SQL = `
  SELECT sm.session_id AS "sessionId", COUNT(m.id) AS "n"
  FROM session_members sm
  JOIN chat_messages m ON m.session_id = sm.session_id
    AND (m.author_id IS NULL OR m.author_id <> sm.user_id)
    AND (sm.last_read_at IS NULL OR m.created_at > sm.last_read_at
      OR (m.created_at = sm.last_read_at AND m.id > sm.last_read_message_id))
  WHERE sm.user_id = :userId`;

/** Unread counts of a user's sessions (absent: 0), or of one session with `sessionId`. */
export async function unreadCounts(
  db: Db,
  userId: string,
  sessionId?: string,
): Promise<Map<string, number>> {
  const rows = await db.sequelize.query<{ sessionId: string; n: number | string }>(
    `${UNREAD_SQL}${sessionId ? " AND sm.session_id = :sessionId" : ""} GROUP BY sm.session_id`,
    { type: QueryTypes.SELECT, replacements: { userId, sessionId: sessionId ?? null } },
  );
  return new Map(rows.map((r) => [r.sessionId, Number(r.n)]));
}

function newestMessage(db: Db, sessionId: string): Promise<ChatMessage | null> {
  return db.models.ChatMessage.findOne({
    where: { sessionId },
    order: [
      ["createdAt", "DESC"],
      ["id", "DESC"],
    ],
  });
}

/**
 * Marks a session read up to `messageId` (default: its newest message). Read state
 * only moves forward: marking an older message read changes nothing, so two devices
 * racing end on the newer one. Returns null when the message is not in the session.
 */
export async function markRead(
  db: Db,
  sessionId: string,
  userId: string,
  messageId?: string,
): Promise<ReadState | null> {
  const target = messageId
    ? await db.models.ChatMessage.findOne({ where: { id: messageId, sessionId } })
    : await newestMessage(db, sessionId);
  if (messageId && !target) return null;
  if (target) {
    // One conditional UPDATE: it only applies when the target is after the stored mark.
    await db.models.SessionMember.update(
      { lastReadAt: target.createdAt, lastReadMessageId: target.id },
      {
        where: {
          sessionId,
          userId,
          [Op.or]: [
            { lastReadAt: null },
            { lastReadAt: { [Op.lt]: target.createdAt } },
            {
              lastReadAt: target.createdAt,
              [Op.or]: [{ lastReadMessageId: null }, { lastReadMessageId: { [Op.lt]: target.id } }],
            },
          ],
        },
      },
    );
  }
  const [member, counts] = await Promise.all([
    db.models.SessionMember.findOne({ where: { sessionId, userId } }),
    unreadCounts(db, userId, sessionId),
  ]);
  return {
    sessionId,
    lastReadMessageId: member?.lastReadMessageId ?? null,
    unreadCount: counts.get(sessionId) ?? 0,
  };
}

/** Marks every session of a user read up to its newest message; returns those that changed. */
export async function markAllRead(db: Db, userId: string): Promise<ReadState[]> {
  const before = await unreadCounts(db, userId);
  const out: ReadState[] = [];
  for (const sessionId of before.keys()) {
    const state = await markRead(db, sessionId, userId);
    if (state) out.push(state);
  }
  return out;
}
