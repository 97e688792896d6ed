import type { SessionRole } from "@engunity/shared";
import { QueryTypes } from "sequelize";
import type { Db } from "../index";

/**
 * The reads every live connection makes (a Socket.IO handshake, then its connect), as
 * plain statements: they run once per connect, and a reconnect storm after a node goes
 * away is thousands at once. A model read (`findByPk`, `findAll`) costs two to three
 * times the CPU of the statement itself in query building and instance building
 * (issue 16: 150 µs for a full user row vs 50 µs).
 */

/*
 * Bound parameters, not replacements: the driver carries the values, and Sequelize's
 * escaping (a third of a statement's CPU here) is skipped.
 */

/**
 * A date as Sequelize stores a DATE column (`2026-12-02 16:08:17.123 +00:00`): SQLite
 * compares the stored text, so a bound date must have the same shape; Postgres reads
 * it as a timestamptz. (Formatting a Date through Sequelize costs a moment() per call.)
 */
function storedDate(date: Date): string {
  return `${date.toISOString().replace("T", " ").replace("Z", "")} +00:00`;
}

/** Whether the user exists and is active: read fresh at every handshake, never cached. */
export async function isUserActive(db: Db, userId: string): Promise<boolean> {
  const rows = await db.sequelize.query<{ active: unknown }>(
    "SELECT is_active AS active FROM users WHERE id = $1",
    { type: QueryTypes.SELECT, bind: [userId] },
  );
  // Postgres answers a boolean, SQLite 1 or 0.
  return rows.length > 0 && Boolean(rows[0]!.active);
}

/** The sessions a user is a member of (their sockets' watch rooms). */
export async function memberSessionIds(db: Db, userId: string): Promise<string[]> {
  const rows = await db.sequelize.query<{ id: string }>(
    "SELECT session_id AS id FROM session_members WHERE user_id = $1",
    { type: QueryTypes.SELECT, bind: [userId] },
  );
  return rows.map((r) => r.id);
}

/**
 * A user token's login, read fresh in one statement: whether the user exists and is
 * active, and whether its login session (the token's `jti`) is theirs, not revoked and
 * not expired. A handshake needs both, and a reconnect storm is one of these per socket.
 */
export async function loginLiveness(
  db: Db,
  userId: string,
  loginSessionId: string,
): Promise<{ active: boolean; live: boolean }> {
  const rows = await db.sequelize.query<{ active: unknown; live: unknown }>(
    `SELECT u.is_active AS active,
            (ls.id IS NOT NULL AND ls.revoked_at IS NULL AND ls.expires_at > $3) AS live
       FROM users u
       LEFT JOIN login_sessions ls ON ls.id = $2 AND ls.user_id = u.id
      WHERE u.id = $1`,
    { type: QueryTypes.SELECT, bind: [userId, loginSessionId, storedDate(new Date())] },
  );
  const row = rows[0];
  return { active: !!row && Boolean(row.active), live: !!row && Boolean(row.live) };
}

/** Notes "last seen" on many login sessions at once (batched by the revocation cache). */
export async function noteLoginsSeen(db: Db, loginSessionIds: string[], at: Date): Promise<void> {
  if (loginSessionIds.length === 0) return;
  await db.models.LoginSession.update(
    { lastSeenAt: at },
    { where: { id: loginSessionIds }, hooks: false },
  );
}

/** A user's role in a session, or null when they are not a member (a socket's join). */
export async function memberRole(
  db: Db,
  userId: string,
  sessionId: string,
): Promise<SessionRole | null> {
  const rows = await db.sequelize.query<{ role: SessionRole }>(
    "SELECT role FROM session_members WHERE session_id = $1 AND user_id = $2",
    { type: QueryTypes.SELECT, bind: [sessionId, userId] },
  );
  return rows[0]?.role ?? null;
}
