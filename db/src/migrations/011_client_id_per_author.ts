import type { QueryInterface } from "sequelize";

/**
 * A send's `clientId` is its sender's idempotency key, not the session's: the unique
 * key becomes `(session_id, author_id, client_id)`. With the session-wide key, a member
 * who sent another member's `clientId` first made that member's send answer with the
 * first one's message, and store nothing (review finding, 2026-12-06). Every row the old
 * key allowed, the new one allows.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addIndex("chat_messages", ["session_id", "author_id", "client_id"], {
    unique: true,
    name: "chat_messages_session_author_client",
  });
  await qi.removeIndex("chat_messages", "chat_messages_session_id_client_id");
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addIndex("chat_messages", ["session_id", "client_id"], { unique: true });
  await qi.removeIndex("chat_messages", "chat_messages_session_author_client");
}
