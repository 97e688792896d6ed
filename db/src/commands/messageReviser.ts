import type { MessageMetadata, MessageStatus } from "@engunity/shared";
import type { Db } from "../index";
import type { ChatMessage } from "../models/ChatMessage";
import type { MessageVersion } from "../models/MessageVersion";

export interface Revision {
  messageId: string;
  content: string;
  status: MessageStatus;
  /** The new metadata from the old one; `version` is set here. */
  metadata(old: MessageMetadata): MessageMetadata;
}

/**
 * Keeps the current form of each message as a version row and replaces it, all in one
 * transaction (an edited question and its answer move together). Refuses — returns
 * null, writing nothing — when any of them is still streaming: a running generation is
 * never revised under the worker's feet. The unique (message, version) index makes two
 * racing revisions of one message fail rather than both win.
 */
export async function reviseMessages(db: Db, revisions: Revision[]): Promise<ChatMessage[] | null> {
  const ids = await db.transaction(async (transaction) => {
    const rows: ChatMessage[] = [];
    for (const r of revisions) {
      const row = await db.models.ChatMessage.findByPk(r.messageId, {
        transaction,
        lock: db.dialect === "postgres",
      });
      if (!row) throw new Error(`message ${r.messageId} vanished`);
      if (row.status === "streaming") return null;
      rows.push(row);
    }
    for (const [i, row] of rows.entries()) {
      const r = revisions[i]!;
      const version = row.metadata?.version ?? 1;
      await db.models.MessageVersion.create(
        {
          messageId: row.id,
          version,
          content: row.content,
          status: row.status,
          metadata: row.metadata ?? {},
          createdAt: new Date(),
        },
        { transaction },
      );
      await db.models.ChatMessage.update(
        {
          content: r.content,
          status: r.status,
          metadata: { ...r.metadata(row.metadata ?? {}), version: version + 1 },
        },
        { where: { id: row.id }, transaction },
      );
    }
    return rows.map((r) => r.id);
  });
  if (!ids) return null;
  const rows = await db.models.ChatMessage.findAll({
    where: { id: ids },
    include: [{ association: "author" }],
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)!);
}

/** A message's earlier versions, oldest first (the message row itself is the newest). */
export function listVersions(db: Db, messageId: string): Promise<MessageVersion[]> {
  return db.models.MessageVersion.findAll({ where: { messageId }, order: [["version", "ASC"]] });
}
