import { DataTypes, type QueryInterface } from "sequelize";

/** Co-edited Yjs docs (session title and draft), stored as binary update rows. */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  const postgres = qi.sequelize.getDialect() === "postgres";
  await qi.createTable("yjs_updates", {
    // SQLite only auto-increments an INTEGER PRIMARY KEY; Postgres gets a bigserial
    // because compaction keeps consuming ids.
    id: {
      type: postgres ? DataTypes.BIGINT : DataTypes.INTEGER,
      primaryKey: true,
      autoIncrement: true,
    },
    doc_name: { type: DataTypes.STRING(128), allowNull: false },
    session_id: {
      type: DataTypes.UUID,
      allowNull: true,
      references: { model: "chat_sessions", key: "id" },
      onDelete: "CASCADE",
    },
    data: { type: DataTypes.BLOB, allowNull: false },
    created_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.addIndex("yjs_updates", ["doc_name", "id"]);
  await qi.addIndex("yjs_updates", ["session_id"]);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable("yjs_updates");
}
