import { authorizeRole, forbidden, notFound, type SessionAction } from "@engunity/core";
import type { SessionRole } from "@engunity/shared";
import type { Gateway, GatewaySocket } from "./types";

/**
 * A socket's right to `action` in a session: a widget token is bound to its one
 * session, and otherwise the same session policy as REST decides.
 */
export function ensureTokenScope(socket: GatewaySocket, sessionId: string): void {
  if (socket.data.sid && socket.data.sid !== sessionId) throw notFound("Session");
}

/**
 * What a widget token's scope (PROTOCOL) leaves out. Answer revisions (regenerate,
 * continue, edit) ask the AI outside the send path, where a widget key's caps and an
 * AI-off session are enforced; member and presence pages would show a visitor the team.
 */
export function ensureNotWidget(socket: GatewaySocket, what = "revise answers"): void {
  if (socket.data.widgetKeyId) throw forbidden(`The widget cannot ${what}`);
}

export async function authorizeSocket(
  gw: Gateway,
  socket: GatewaySocket,
  sessionId: string,
  action: SessionAction,
): Promise<SessionRole> {
  ensureTokenScope(socket, sessionId);
  return authorizeRole(gw.ctx.db, socket.data.userId, sessionId, action);
}
