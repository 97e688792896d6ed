import { DataTypes, type QueryInterface } from "sequelize";

/**
 * Earlier versions of a message: what an answer said before it was regenerated or
 * continued, what a question said before it was edited. The message row stays the
 * current version (its `metadata.version`); these rows are the ones before it.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable("message_versions", {
    id: {
      type: DataTypes.UUID,
      primaryKey: true,
      allowNull: false,
    },
    message_id: {
      type: DataTypes.UUID,
      allowNull: false,
      references: { model: "chat_messages", key: "id" },
      onDelete: "CASCADE",
    },
    version: { type: DataTypes.INTEGER, allowNull: false },
    content: { type: DataTypes.TEXT, allowNull: false },
    status: { type: DataTypes.STRING(16), allowNull: false },
    metadata: { type: DataTypes.JSON, allowNull: false, defaultValue: {} },
    created_at: { type: DataTypes.DATE, allowNull: false },
  });
  // One row per version: two revisions racing cannot both store version n.
  await qi.addIndex("message_versions", ["message_id", "version"], { unique: true });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable("message_versions");
}
