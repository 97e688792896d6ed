import { authorize, notFound, type SessionAction } from "@engunity/core";
import type { SessionMember } from "@engunity/db";
import type { Gateway, GatewaySocket } from "./types";

/**
 * A socket's right to `action` in a session: a widget token is bound to its one
 * session, and otherwise the same session policy as REST decides.
 */
export function ensureTokenScope(socket: GatewaySocket, sessionId: string): void {
  if (socket.data.sid && socket.data.sid !== sessionId) throw notFound("Session");
}

export async function authorizeSocket(
  gw: Gateway,
  socket: GatewaySocket,
  sessionId: string,
  action: SessionAction,
): Promise<SessionMember> {
  ensureTokenScope(socket, sessionId);
  return authorize(gw.ctx.db, socket.data.userId, sessionId, action);
}
