import { DataTypes, type QueryInterface } from "sequelize";

/**
 * The seed's schema (users, chat_sessions, chat_messages, documents) plus what
 * collaboration needs: memberships with roles, invite links, message authors,
 * statuses and client idempotency keys.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  const now = { type: DataTypes.DATE, allowNull: false };
  await qi.createTable("users", {
    id: { type: DataTypes.UUID, primaryKey: true },
    username: { type: DataTypes.STRING(64), allowNull: false, unique: true },
    email: { type: DataTypes.STRING(255), allowNull: false, unique: true },
    hashed_password: { type: DataTypes.STRING(255), allowNull: false },
    full_name: { type: DataTypes.STRING(255), allowNull: true },
    is_active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    is_superuser: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    created_at: now,
    updated_at: now,
  });

  await qi.createTable("chat_sessions", {
    id: { type: DataTypes.UUID, primaryKey: true },
    user_id: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: "users", key: "id" },
      onDelete: "CASCADE",
    },
    title: { type: DataTypes.STRING(255), allowNull: false, defaultValue: "" },
    settings: { type: DataTypes.JSON, allowNull: false },
    message_count: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    activity_at: now,
    created_at: now,
    updated_at: now,
  });
  await qi.addIndex("chat_sessions", ["user_id"]);
  await qi.addIndex("chat_sessions", ["activity_at"]);

  await qi.createTable("session_members", {
    session_id: {
      type: DataTypes.UUID,
      primaryKey: true,
      references: { model: "chat_sessions", key: "id" },
      onDelete: "CASCADE",
    },
    user_id: {
      type: DataTypes.UUID,
      primaryKey: true,
      references: { model: "users", key: "id" },
      onDelete: "CASCADE",
    },
    role: { type: DataTypes.STRING(16), allowNull: false },
    last_read_at: { type: DataTypes.DATE, allowNull: true },
    created_at: now,
    updated_at: now,
  });
  await qi.addIndex("session_members", ["user_id"]);

  await qi.createTable("chat_messages", {
    id: { type: DataTypes.UUID, primaryKey: true },
    session_id: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: "chat_sessions", key: "id" },
      onDelete: "CASCADE",
    },
    author_id: {
      type: DataTypes.UUID,
      allowNull: true,
      references: { model: "users", key: "id" },
      onDelete: "SET NULL",
    },
    role: { type: DataTypes.STRING(16), allowNull: false },
    content: { type: DataTypes.TEXT, allowNull: false },
    status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: "complete" },
    client_id: { type: DataTypes.STRING(64), allowNull: true },
    metadata: { type: DataTypes.JSON, allowNull: false },
    created_at: now,
    updated_at: now,
  });
  // History pages are read by (session, time); ties broken by id.
  await qi.addIndex("chat_messages", ["session_id", "created_at", "id"]);
  // Idempotency: one message per client key within a session (NULLs are distinct).
  await qi.addIndex("chat_messages", ["session_id", "client_id"], { unique: true });
  await qi.addIndex("chat_messages", ["status"]);

  await qi.createTable("invites", {
    id: { type: DataTypes.UUID, primaryKey: true },
    session_id: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: "chat_sessions", key: "id" },
      onDelete: "CASCADE",
    },
    created_by: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: "users", key: "id" },
      onDelete: "CASCADE",
    },
    token_hash: { type: DataTypes.STRING(64), allowNull: false, unique: true },
    role: { type: DataTypes.STRING(16), allowNull: false },
    expires_at: { type: DataTypes.DATE, allowNull: false },
    accepted_count: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    created_at: now,
    updated_at: now,
  });
  await qi.addIndex("invites", ["session_id"]);

  await qi.createTable("documents", {
    id: { type: DataTypes.UUID, primaryKey: true },
    user_id: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: "users", key: "id" },
      onDelete: "CASCADE",
    },
    session_id: {
      type: DataTypes.UUID,
      allowNull: true,
      references: { model: "chat_sessions", key: "id" },
      onDelete: "CASCADE",
    },
    filename: { type: DataTypes.STRING(255), allowNull: false },
    file_path: { type: DataTypes.STRING(500), allowNull: false },
    file_type: { type: DataTypes.STRING(100), allowNull: true },
    size_bytes: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: "uploaded" },
    chunk_count: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    error: { type: DataTypes.TEXT, allowNull: true },
    created_at: now,
    updated_at: now,
  });
  await qi.addIndex("documents", ["user_id"]);
  await qi.addIndex("documents", ["session_id"]);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  for (const table of [
    "documents",
    "invites",
    "chat_messages",
    "session_members",
    "chat_sessions",
    "users",
  ]) {
    await qi.dropTable(table);
  }
}
