import type { MessageMetadata, MessageRole, MessageStatus } from "@engunity/shared";
import type { Transaction } from "sequelize";
import { isUniqueViolation } from "../dbErrors";
import type { Db } from "../index";
import type { ChatMessage } from "../models/ChatMessage";

export interface NewMessage {
  sessionId: string;
  authorId: string | null;
  role: MessageRole;
  content: string;
  status?: MessageStatus;
  clientId?: string | null;
  metadata?: MessageMetadata;
}

async function insert(db: Db, input: NewMessage, transaction: Transaction): Promise<ChatMessage> {
  const now = new Date();
  const message = await db.models.ChatMessage.create(
    {
      sessionId: input.sessionId,
      authorId: input.authorId,
      role: input.role,
      content: input.content,
      status: input.status ?? "complete",
      clientId: input.clientId ?? null,
      metadata: input.metadata ?? {},
      createdAt: now,
    },
    { transaction },
  );
  await db.models.ChatSession.increment(
    { messageCount: 1 },
    { where: { id: input.sessionId }, transaction },
  );
  await db.models.ChatSession.update(
    { activityAt: now },
    { where: { id: input.sessionId }, transaction, silent: true },
  );
  return message;
}

/**
 * Stores messages in one transaction (a user message and the assistant placeholder that
 * answers it, say), bumping the session's count and activity time.
 *
 * Idempotent on the first message's `clientId`: when that key was stored before, nothing
 * is written and the earlier rows come back with `created: false` — a retried send after
 * a lost ack stores one message, never two.
 */
export async function createMessages(
  db: Db,
  inputs: [NewMessage, ...NewMessage[]],
): Promise<{ messages: ChatMessage[]; created: boolean }> {
  const first = inputs[0];
  const findExisting = async (): Promise<ChatMessage[] | null> => {
    if (!first.clientId) return null;
    const found = await db.models.ChatMessage.findOne({
      where: { sessionId: first.sessionId, clientId: first.clientId },
      include: [{ association: "author" }],
    });
    if (!found) return null;
    const linked = found.metadata?.assistantMessageId;
    const follower = linked
      ? await db.models.ChatMessage.findByPk(linked, { include: [{ association: "author" }] })
      : null;
    return follower ? [found, follower] : [found];
  };

  const existing = await findExisting();
  if (existing) return { messages: existing, created: false };
  try {
    const ids = await db.transaction(async (transaction) => {
      const out: string[] = [];
      for (const input of inputs) out.push((await insert(db, input, transaction)).id);
      // The first message points at the one that answers it, so a replay finds both.
      if (out.length > 1) {
        await db.models.ChatMessage.update(
          { metadata: { ...(first.metadata ?? {}), assistantMessageId: out[1] } },
          { where: { id: out[0]! }, transaction },
        );
      }
      return out;
    });
    const rows = await db.models.ChatMessage.findAll({
      where: { id: ids },
      include: [{ association: "author" }],
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return { messages: ids.map((id) => byId.get(id)!), created: true };
  } catch (err) {
    // Two sends with one key raced; the loser returns the winner's rows.
    if (isUniqueViolation(err)) {
      const again = await findExisting();
      if (again) return { messages: again, created: false };
    }
    throw err;
  }
}
