import { randomUUID } from "node:crypto";
import type { MessageMetadata, MessageRole, MessageStatus } from "@engunity/shared";
import { isUniqueViolation } from "../dbErrors";
import type { Db } from "../index";
import type { ChatMessage } from "../models/ChatMessage";
import type { User } from "../models/User";

export interface NewMessage {
  sessionId: string;
  authorId: string | null;
  role: MessageRole;
  content: string;
  status?: MessageStatus;
  clientId?: string | null;
  metadata?: MessageMetadata;
}

/**
 * The rows stored before under `clientId` in `sessionId` (the user message and the
 * assistant answer linked to it), or null: a retried send finds what its first try stored.
 */
export async function findReplay(
  db: Db,
  sessionId: string,
  clientId: string,
): Promise<ChatMessage[] | null> {
  const found = await db.models.ChatMessage.findOne({
    where: { sessionId, clientId },
    include: [{ association: "author" }],
  });
  if (!found) return null;
  const linked = found.metadata?.assistantMessageId;
  const follower = linked
    ? await db.models.ChatMessage.findByPk(linked, { include: [{ association: "author" }] })
    : null;
  return follower ? [found, follower] : [found];
}

export interface CreateOptions {
  /** The author of the messages with an `authorId`, attached to the returned rows. */
  author?: User | null;
  /** The caller already looked for a replay of this `clientId` (skips the pre-check). */
  replayChecked?: boolean;
}

/**
 * Stores messages in one transaction (a user message and the assistant placeholder that
 * answers it, say): the INSERTs and one UPDATE of the session's count and activity.
 * The rows written are returned as written, never read back; the first one links to
 * the second (`metadata.assistantMessageId`), so a replay finds both.
 *
 * Idempotent on the first message's `clientId`: when that key was stored before, nothing
 * is written and the earlier rows come back with `created: false` — a retried send after
 * a lost ack stores one message, never two. Two racing sends meet on the unique
 * `(session_id, client_id)` index; the loser returns the winner's rows.
 */
export async function createMessages(
  db: Db,
  inputs: [NewMessage, ...NewMessage[]],
  options: CreateOptions = {},
): Promise<{ messages: ChatMessage[]; created: boolean }> {
  const first = inputs[0];
  if (first.clientId && !options.replayChecked) {
    const existing = await findReplay(db, first.sessionId, first.clientId);
    if (existing) return { messages: existing, created: false };
  }
  const ids = inputs.map(() => randomUUID());
  const now = new Date();
  try {
    const messages = await db.transaction(async (transaction) => {
      const rows: ChatMessage[] = [];
      for (const [i, input] of inputs.entries()) {
        const metadata =
          i === 0 && ids.length > 1
            ? { ...(input.metadata ?? {}), assistantMessageId: ids[1] }
            : (input.metadata ?? {});
        const row = await db.models.ChatMessage.create(
          {
            id: ids[i],
            sessionId: input.sessionId,
            authorId: input.authorId,
            role: input.role,
            content: input.content,
            status: input.status ?? "complete",
            clientId: input.clientId ?? null,
            metadata,
            createdAt: now,
          },
          { transaction },
        );
        row.author =
          input.authorId && options.author?.id === input.authorId ? options.author : null;
        rows.push(row);
      }
      const bySession = new Map<string, number>();
      for (const input of inputs) {
        bySession.set(input.sessionId, (bySession.get(input.sessionId) ?? 0) + 1);
      }
      for (const [sessionId, n] of bySession) {
        await db.models.ChatSession.update(
          { messageCount: db.sequelize.literal(`message_count + ${n}`), activityAt: now },
          { where: { id: sessionId }, transaction },
        );
      }
      return rows;
    });
    return { messages, created: true };
  } catch (err) {
    if (isUniqueViolation(err) && first.clientId) {
      const again = await findReplay(db, first.sessionId, first.clientId);
      if (again) return { messages: again, created: false };
    }
    throw err;
  }
}
