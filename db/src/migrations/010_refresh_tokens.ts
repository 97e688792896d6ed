import { DataTypes, type QueryInterface } from "sequelize";

/**
 * Rotating refresh tokens (issue 11): a login session is one token family. It keeps a
 * secret (never sent) and the generation of its current refresh token; a token of an
 * older generation is a reused one, and signs the whole login session out.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn("login_sessions", "refresh_secret", {
    type: DataTypes.STRING(64),
    allowNull: true,
  });
  await qi.addColumn("login_sessions", "refresh_generation", {
    type: DataTypes.INTEGER,
    allowNull: false,
    defaultValue: 0,
  });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.removeColumn("login_sessions", "refresh_generation");
  await qi.removeColumn("login_sessions", "refresh_secret");
}
