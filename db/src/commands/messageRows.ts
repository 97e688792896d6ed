import type { Db } from "../index";
import type { ChatMessage } from "../models/ChatMessage";

/**
 * What the send statements of both dialects share (messageCreator.ts for SQLite,
 * sendGroupCommit.ts for Postgres): a row's values, the writer a write checks, the
 * outcome, and the SQL fragments.
 */

export type MessageValues = Pick<
  ChatMessage,
  | "id"
  | "sessionId"
  | "authorId"
  | "role"
  | "content"
  | "status"
  | "clientId"
  | "metadata"
  | "createdAt"
  | "updatedAt"
>;

/** The columns written, in order, with each value as the model has it. */
export function columnsOf(
  db: Db,
  v: MessageValues,
): { columns: string[]; fields: string[]; raw: unknown[] } {
  const attributes = db.models.ChatMessage.getAttributes();
  const columns: string[] = [];
  const fields: string[] = [];
  const raw: unknown[] = [];
  for (const [key, value] of Object.entries(v)) {
    const attribute = attributes[key as keyof typeof attributes];
    if (!attribute) continue;
    columns.push(key);
    fields.push(attribute.field ?? key);
    raw.push(value);
  }
  return { columns, fields, raw };
}

/**
 * A write made only if this user, when the statement runs, is an active account and a
 * member of the session in one of `roles`.
 */
export interface Writer {
  userId: string;
  roles: readonly string[];
}

/**
 * What the write did: the rows went in (with the session's new count), the first row's
 * `clientId` was stored before, or the writer may not write (nothing written).
 */
export type Inserted =
  | { refused?: undefined; inserted: true; messageCount?: number }
  | { refused?: undefined; inserted: false }
  | { refused: true; role: string | null };

/** The dialect's literal escaping and the statements' shared fragments. */
export function sqlParts(db: Db) {
  const qg = db.sequelize.getQueryInterface().queryGenerator as unknown as {
    escape(value: unknown, field?: unknown): string;
  };
  const activityAt = db.models.ChatSession.getAttributes().activityAt;
  return {
    escape: (value: unknown) => qg.escape(value),
    escapeAt: (at: Date) => qg.escape(at, activityAt),
    /** Adds `added` (an SQL expression) to the session's count and moves its activity. */
    updateSession: (sid: string, added: string, at: string) =>
      `UPDATE chat_sessions SET message_count = message_count + ${added}, activity_at = ${at}, updated_at = ${at} WHERE id = ${sid}`,
    /**
     * The writer's role, if any. An account deactivated writes nothing either, whatever
     * transport still carries it (its sockets are cut by a message that may not have
     * arrived yet). `sid` and `user`: SQL expressions (literals or parameters).
     */
    membership: (sid: string, user: string) =>
      `SELECT m.role AS role FROM session_members m JOIN users u ON u.id = m.user_id WHERE m.session_id = ${sid} AND m.user_id = ${user} AND u.is_active = ${qg.escape(true)}`,
  };
}
