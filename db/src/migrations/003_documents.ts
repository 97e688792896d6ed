import { DataTypes, type QueryInterface } from "sequelize";

/**
 * Documents that ground answers: what ingestion records on a document (content hash,
 * progress, the embedder its vectors came from, where its bytes are stored) and its
 * chunks — text, provenance (heading path, page, lines) and a float32 vector each.
 * Chunk text and vectors here are the source of truth; vector indexes are caches.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn("documents", "sha256", { type: DataTypes.STRING(64), allowNull: true });
  await qi.addColumn("documents", "progress", {
    type: DataTypes.FLOAT,
    allowNull: false,
    defaultValue: 0,
  });
  await qi.addColumn("documents", "embedder_id", {
    type: DataTypes.STRING(128),
    allowNull: true,
  });
  await qi.addColumn("documents", "store", {
    type: DataTypes.STRING(16),
    allowNull: false,
    defaultValue: "local",
  });
  // Retrieval asks for a session's ready documents on every question.
  await qi.addIndex("documents", ["session_id", "status"]);
  // Re-ingest finds documents embedded by another embedder.
  await qi.addIndex("documents", ["embedder_id"]);

  await qi.createTable("document_chunks", {
    id: { type: DataTypes.UUID, primaryKey: true },
    document_id: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: "documents", key: "id" },
      onDelete: "CASCADE",
    },
    // Denormalised from the document so a session's index loads with one indexed scan.
    session_id: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: "chat_sessions", key: "id" },
      onDelete: "CASCADE",
    },
    ordinal: { type: DataTypes.INTEGER, allowNull: false },
    text: { type: DataTypes.TEXT, allowNull: false },
    heading_path: { type: DataTypes.TEXT, allowNull: true },
    page: { type: DataTypes.INTEGER, allowNull: true },
    line_start: { type: DataTypes.INTEGER, allowNull: true },
    line_end: { type: DataTypes.INTEGER, allowNull: true },
    token_count: { type: DataTypes.INTEGER, allowNull: false },
    embedder_id: { type: DataTypes.STRING(128), allowNull: false },
    // float32 little-endian, `dimensions` of the embedder (bytea on Postgres).
    vector: { type: DataTypes.BLOB, allowNull: false },
    created_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.addIndex("document_chunks", ["document_id", "ordinal"], { unique: true });
  await qi.addIndex("document_chunks", ["session_id", "embedder_id"]);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable("document_chunks");
  await qi.removeIndex("documents", ["embedder_id"]);
  await qi.removeIndex("documents", ["session_id", "status"]);
  for (const column of ["store", "embedder_id", "progress", "sha256"]) {
    await qi.removeColumn("documents", column);
  }
}
