import { AppError, authorize, can, originAllowed, type Revocation } from "@engunity/core";
import type { Db } from "@engunity/db";
import { yjsRoom } from "@engunity/shared";
import type { TicketStore } from "./tickets";

/** The path every Yjs room lives under. */
export const YJS_PATH_PREFIX = "/yjs/";

/** Who may open which doc, or why not (an HTTP status and a short reason for metrics). */
export type Admission =
  | {
      ok: true;
      room: string;
      userId: string;
      sessionId: string;
      canWrite: boolean;
      jti?: string;
      exp?: number;
      /** The account's name as awareness must show it (never what the client claims). */
      name: string;
    }
  | { ok: false; status: number; reason: string };

/**
 * Decides a `/yjs/<room>?ticket=…` handshake, without touching the socket: origin
 * (cross-site websocket hijacking), the single-use ticket, that the ticket is for this
 * room, and the member's role now (they may have been removed since the ticket).
 */
export async function admitHandshake(
  deps: { db: Db; tickets: TicketStore; allowedOrigins: string[]; revocation: Revocation },
  req: { url?: string; origin?: string; host?: string },
): Promise<Admission> {
  const refuse = (status: number, reason: string): Admission => ({ ok: false, status, reason });
  if (!originAllowed(req.origin, req.host, deps.allowedOrigins)) return refuse(403, "origin");
  const url = new URL(req.url ?? "/", "http://localhost");
  let room: string;
  try {
    room = decodeURIComponent(url.pathname.slice(YJS_PATH_PREFIX.length));
  } catch {
    return refuse(404, "room");
  }
  const ticket = url.searchParams.get("ticket");
  if (!ticket) return refuse(401, "no_ticket");
  const grant = await deps.tickets.redeem(ticket);
  if (!grant) return refuse(401, "bad_ticket");
  if (yjsRoom(grant.sessionId) !== room) return refuse(404, "room");
  // Signed out between ticket and connect, or the token ran out meanwhile.
  if (grant.exp !== undefined && grant.exp * 1000 <= Date.now()) return refuse(401, "expired");
  if (grant.jti && !(await deps.revocation.check(grant.userId, grant.jti))) {
    return refuse(401, "revoked");
  }
  try {
    const member = await authorize(deps.db, grant.userId, grant.sessionId, "read");
    const user = await deps.db.models.User.findByPk(grant.userId, {
      attributes: ["id", "username", "fullName", "isActive"],
    });
    if (!user?.isActive) return refuse(401, "revoked");
    return {
      ok: true,
      room,
      ...grant,
      canWrite: can(member.role, "write"),
      name: user.fullName || user.username,
    };
  } catch (err) {
    if (err instanceof AppError) return refuse(err.status, err.code);
    throw err;
  }
}
