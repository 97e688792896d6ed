import { DataTypes, type QueryInterface } from "sequelize";

/**
 * The embeddable widget: keys a host app's backend holds (only a hash of the secret is
 * stored) and the visitors each key brought in, with the user row and session each got.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable("widget_keys", {
    id: { type: DataTypes.UUID, primaryKey: true },
    created_by: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: "users", key: "id" },
      onDelete: "CASCADE",
    },
    team_name: { type: DataTypes.STRING(60), allowNull: false },
    /** SHA-256 (hex) of the secret part of the key. */
    secret_hash: { type: DataTypes.STRING(64), allowNull: false },
    prefix: { type: DataTypes.STRING(16), allowNull: false },
    allowed_origins: { type: DataTypes.JSON, allowNull: false },
    session_id: {
      type: DataTypes.UUID,
      allowNull: true,
      references: { model: "chat_sessions", key: "id" },
      onDelete: "CASCADE",
    },
    template: { type: DataTypes.JSON, allowNull: true },
    allow_anonymous: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    caps: { type: DataTypes.JSON, allowNull: false },
    rotated_at: { type: DataTypes.DATE, allowNull: true },
    revoked_at: { type: DataTypes.DATE, allowNull: true },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.addIndex("widget_keys", ["created_by"]);
  await qi.addIndex("widget_keys", ["session_id"]);

  await qi.createTable("widget_visitors", {
    id: { type: DataTypes.UUID, primaryKey: true },
    key_id: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: "widget_keys", key: "id" },
      onDelete: "CASCADE",
    },
    /** The host's id for the visitor (`anon:<random>` for anonymous ones). */
    external_id: { type: DataTypes.STRING(140), allowNull: false },
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
      onDelete: "SET NULL",
    },
    name: { type: DataTypes.STRING(80), allowNull: false },
    /** What the host said; never the user row's email, so a visitor cannot pose as an account. */
    email: { type: DataTypes.STRING(254), allowNull: true },
    page_url: { type: DataTypes.STRING(2000), allowNull: true },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.addIndex("widget_visitors", ["key_id", "external_id"], { unique: true });
  await qi.addIndex("widget_visitors", ["user_id"]);
  await qi.addIndex("widget_visitors", ["session_id"]);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable("widget_visitors");
  await qi.dropTable("widget_keys");
}
