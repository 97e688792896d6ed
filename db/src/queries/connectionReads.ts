import { QueryTypes } from "sequelize";
import type { Db } from "../index";

/**
 * The reads every live connection makes (a Socket.IO handshake, then its connect), as
 * plain statements: they run once per connect, and a reconnect storm after a node goes
 * away is thousands at once. A model read (`findByPk`, `findAll`) costs two to three
 * times the CPU of the statement itself in query building and instance building
 * (issue 16: 150 µs for a full user row vs 50 µs).
 */

/** Whether the user exists and is active: read fresh at every handshake, never cached. */
export async function isUserActive(db: Db, userId: string): Promise<boolean> {
  const rows = await db.sequelize.query<{ active: unknown }>(
    "SELECT is_active AS active FROM users WHERE id = :userId",
    { type: QueryTypes.SELECT, replacements: { userId } },
  );
  // Postgres answers a boolean, SQLite 1 or 0.
  return rows.length > 0 && Boolean(rows[0]!.active);
}

/** The sessions a user is a member of (their sockets' watch rooms). */
export async function memberSessionIds(db: Db, userId: string): Promise<string[]> {
  const rows = await db.sequelize.query<{ id: string }>(
    "SELECT session_id AS id FROM session_members WHERE user_id = :userId",
    { type: QueryTypes.SELECT, replacements: { userId } },
  );
  return rows.map((r) => r.id);
}
