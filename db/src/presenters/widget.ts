import type { WidgetKey as WidgetKeyWire } from "@engunity/shared";
import type { Db } from "../index";
import type { WidgetKey } from "../models/WidgetKey";

/** The usernames of the keys' creators, by user id (one read for a list of keys). */
export async function keyCreators(
  db: Db,
  keys: WidgetKey[],
): Promise<Map<string, { id: string; username: string }>> {
  const ids = [...new Set(keys.map((k) => k.createdBy))];
  const users = ids.length
    ? await db.models.User.findAll({ where: { id: ids }, attributes: ["id", "username"] })
    : [];
  return new Map(users.map((u) => [u.id, { id: u.id, username: u.username }]));
}

/** A widget key as its managers see it: never the secret or its hash. */
export function presentWidgetKey(
  key: WidgetKey,
  creators?: Map<string, { id: string; username: string }>,
): WidgetKeyWire {
  return {
    id: key.id,
    teamName: key.teamName,
    prefix: key.prefix,
    allowedOrigins: key.allowedOrigins,
    mode: key.sessionId ? "session" : "perVisitor",
    sessionId: key.sessionId,
    template: key.sessionId ? null : key.template,
    allowAnonymous: key.allowAnonymous,
    caps: key.caps,
    createdBy: creators?.get(key.createdBy) ?? null,
    createdAt: key.createdAt.toISOString(),
    rotatedAt: key.rotatedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}
