import { DataTypes, type QueryInterface } from "sequelize";

/**
 * Read state and full-text search.
 *
 * - `session_members.last_read_message_id`: the newest message a member has read.
 *   `last_read_at` becomes that message's `created_at` (not the wall clock), so unread
 *   counts are "messages after it, not by me", the same on every device.
 * - Message search: SQLite gets an FTS5 index (external content, kept by triggers);
 *   Postgres a GIN index on `to_tsvector('simple', content)`, which the search query
 *   repeats word for word so the planner uses it.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn("session_members", "last_read_message_id", {
    type: DataTypes.UUID,
    allowNull: true,
  });
  const q = (sql: string) => qi.sequelize.query(sql);
  if (qi.sequelize.getDialect() === "postgres") {
    await q(
      "CREATE INDEX chat_messages_fts ON chat_messages USING GIN (to_tsvector('simple', content))",
    );
    return;
  }
  // `rowid` is chat_messages' implicit integer key (the table is not WITHOUT ROWID).
  // A plain VACUUM may renumber implicit rowids, which would desynchronise this
  // external-content index: after one, run `INSERT INTO chat_messages_fts(chat_messages_fts)
  // VALUES ('rebuild')`. Nothing in the app vacuums.
  await q(
    "CREATE VIRTUAL TABLE chat_messages_fts USING fts5(content, content='chat_messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')",
  );
  await q(`CREATE TRIGGER chat_messages_fts_ai AFTER INSERT ON chat_messages BEGIN
    INSERT INTO chat_messages_fts(rowid, content) VALUES (new.rowid, new.content);
  END`);
  await q(`CREATE TRIGGER chat_messages_fts_ad AFTER DELETE ON chat_messages BEGIN
    INSERT INTO chat_messages_fts(chat_messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
  END`);
  await q(`CREATE TRIGGER chat_messages_fts_au AFTER UPDATE OF content ON chat_messages BEGIN
    INSERT INTO chat_messages_fts(chat_messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
    INSERT INTO chat_messages_fts(rowid, content) VALUES (new.rowid, new.content);
  END`);
  await q("INSERT INTO chat_messages_fts(chat_messages_fts) VALUES ('rebuild')");
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  const q = (sql: string) => qi.sequelize.query(sql);
  if (qi.sequelize.getDialect() === "postgres") {
    await q("DROP INDEX IF EXISTS chat_messages_fts");
  } else {
    for (const t of ["ai", "ad", "au"]) await q(`DROP TRIGGER IF EXISTS chat_messages_fts_${t}`);
    await q("DROP TABLE IF EXISTS chat_messages_fts");
  }
  await qi.removeColumn("session_members", "last_read_message_id");
}
