import type { Db, User, WidgetKey } from "@engunity/db";
import { notFound } from "../errors";

/**
 * Who may manage a widget key: its creator, the owner of the session it is bound to,
 * or an admin. Anyone else gets `not_found`, like a session that is not theirs.
 */
export async function authorizeWidgetKey(db: Db, user: User, keyId: string): Promise<WidgetKey> {
  const key = await db.models.WidgetKey.findByPk(keyId);
  if (!key) throw notFound("Widget key");
  if (user.isSuperuser || key.createdBy === user.id) return key;
  if (key.sessionId) {
    const session = await db.models.ChatSession.findByPk(key.sessionId, { attributes: ["userId"] });
    if (session?.userId === user.id) return key;
  }
  throw notFound("Widget key");
}

/** Whether a browser `Origin` is one of the key's allowed origins (exact, case-insensitive). */
export function widgetOriginAllowed(origin: string | undefined, key: WidgetKey): boolean {
  if (origin === undefined) return true;
  const normalized = origin.trim().replace(/\/$/, "").toLowerCase();
  return key.allowedOrigins.includes(normalized);
}
