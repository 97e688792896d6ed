import { DataTypes, type QueryInterface } from "sequelize";

/**
 * Trust between members: login sessions (every access token names one, so a stolen
 * token can be killed), consent to being added (pending invitations, blocks), invite
 * links that can be revoked and used up, and removals that an old link cannot undo.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  const now = { type: DataTypes.DATE, allowNull: false };
  const user = (onDelete = "CASCADE") => ({
    type: DataTypes.UUID,
    allowNull: false,
    references: { model: "users", key: "id" },
    onDelete,
  });
  const session = {
    type: DataTypes.UUID,
    allowNull: false,
    references: { model: "chat_sessions", key: "id" },
    onDelete: "CASCADE",
  };

  await qi.createTable("login_sessions", {
    // The `jti` of every access token issued for this login.
    id: { type: DataTypes.UUID, primaryKey: true },
    user_id: user(),
    device: { type: DataTypes.STRING(200), allowNull: false, defaultValue: "" },
    ip: { type: DataTypes.STRING(64), allowNull: true },
    expires_at: now,
    last_seen_at: now,
    revoked_at: { type: DataTypes.DATE, allowNull: true },
    created_at: now,
    updated_at: now,
  });
  await qi.addIndex("login_sessions", ["user_id"]);

  await qi.addColumn("users", "consent_required", {
    type: DataTypes.BOOLEAN,
    allowNull: false,
    defaultValue: false,
  });

  await qi.addColumn("invites", "max_uses", { type: DataTypes.INTEGER, allowNull: true });
  await qi.addColumn("invites", "revoked_at", { type: DataTypes.DATE, allowNull: true });

  // An add that waits for the person's consent.
  await qi.createTable("member_invitations", {
    id: { type: DataTypes.UUID, primaryKey: true },
    session_id: session,
    user_id: user(),
    invited_by: user(),
    role: { type: DataTypes.STRING(16), allowNull: false },
    created_at: now,
    updated_at: now,
  });
  await qi.addIndex("member_invitations", ["session_id", "user_id"], { unique: true });
  await qi.addIndex("member_invitations", ["user_id"]);

  await qi.createTable("user_blocks", {
    blocker_id: { ...user(), primaryKey: true },
    blocked_id: { ...user(), primaryKey: true },
    created_at: now,
    updated_at: now,
  });

  // A member removed by the owner: invite links made before this cannot bring them back.
  await qi.createTable("session_removals", {
    session_id: { ...session, primaryKey: true },
    user_id: { ...user(), primaryKey: true },
    removed_at: now,
    created_at: now,
    updated_at: now,
  });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable("session_removals");
  await qi.dropTable("user_blocks");
  await qi.dropTable("member_invitations");
  await qi.removeColumn("invites", "revoked_at");
  await qi.removeColumn("invites", "max_uses");
  await qi.removeColumn("users", "consent_required");
  await qi.dropTable("login_sessions");
}
