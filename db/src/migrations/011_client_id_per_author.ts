import type { QueryInterface } from "sequelize";

/**
 * A send's `clientId` is its sender's idempotency key, not the session's: the unique
 * key becomes `(session_id, author_id, client_id)`. With the session-wide key, a member
 * who sent another member's `clientId` first made that member's send answer with the
 * first one's message, and store nothing (review finding, 2026-12-06). Every row the old
 * key allowed, the new one allows.
 *
 * Deploy note: nodes still running the code before this migration name the old key in
 * their `ON CONFLICT`, so their sends fail once it is gone; replace every realtime node
 * in one step for this upgrade (sends refused meanwhile are retried by the clients'
 * outboxes under the same `clientId`).
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.sequelize.transaction(async (transaction) => {
    await qi.addIndex("chat_messages", ["session_id", "author_id", "client_id"], {
      unique: true,
      name: "chat_messages_session_author_client",
      transaction,
    });
    await qi.removeIndex("chat_messages", "chat_messages_session_id_client_id", { transaction });
  });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.sequelize.transaction(async (transaction) => {
    // Two members' messages may share a clientId now: the older keeps it.
    await qi.sequelize.query(
      `UPDATE chat_messages SET client_id = NULL WHERE client_id IS NOT NULL AND EXISTS (
         SELECT 1 FROM chat_messages o WHERE o.session_id = chat_messages.session_id
           AND o.client_id = chat_messages.client_id
           AND (o.created_at < chat_messages.created_at
             OR (o.created_at = chat_messages.created_at AND o.id < chat_messages.id)))`,
      { transaction },
    );
    await qi.addIndex("chat_messages", ["session_id", "client_id"], { unique: true, transaction });
    await qi.removeIndex("chat_messages", "chat_messages_session_author_client", { transaction });
  });
}
