import { cleanDisplayName } from "@engunity/shared";
import { Op, type WhereOptions } from "sequelize";
import type { Db } from "../index";
import type { LoginSession } from "../models/LoginSession";

/** Starts a login session (its id becomes the tokens' `jti`). */
export async function createLoginSession(
  db: Db,
  input: {
    userId: string;
    device: string;
    ip: string | null;
    expiresAt: Date;
    refreshSecret?: string;
  },
): Promise<LoginSession> {
  const now = new Date();
  return db.models.LoginSession.create({
    userId: input.userId,
    // One line, bounded: it is shown back to the person in their list.
    device: cleanDevice(input.device),
    ip: input.ip ? input.ip.slice(0, 64) : null,
    expiresAt: input.expiresAt,
    lastSeenAt: now,
    refreshSecret: input.refreshSecret ?? null,
  });
}

function cleanDevice(userAgent: string): string {
  return cleanDisplayName(userAgent).slice(0, 200);
}

/** A user's live login sessions, most recently seen first. */
export async function listLoginSessions(db: Db, userId: string): Promise<LoginSession[]> {
  return db.models.LoginSession.findAll({
    where: { userId, revokedAt: null, expiresAt: { [Op.gt]: new Date() } },
    order: [
      ["lastSeenAt", "DESC"],
      ["id", "ASC"],
    ],
    limit: 200,
  });
}

/**
 * Marks login sessions revoked: one (`id`), or all of the user's but `except`.
 * Returns how many were live.
 */
export async function revokeLoginSessions(
  db: Db,
  userId: string,
  which: { id?: string; except?: string },
): Promise<number> {
  const where: WhereOptions<LoginSession> = { userId, revokedAt: null };
  if (which.id) Object.assign(where, { id: which.id });
  else if (which.except) Object.assign(where, { id: { [Op.ne]: which.except } });
  const [count] = await db.models.LoginSession.update({ revokedAt: new Date() }, { where });
  return count;
}
