import { sessionRoom } from "@engunity/shared";
import type { Gateway, GatewaySocket } from "./types";

/** A typing indicator without a refresh for this long goes off by itself. */
export const TYPING_TIMEOUT_MS = 5000;

const timers = new WeakMap<GatewaySocket, Map<string, NodeJS.Timeout>>();

function announce(gw: Gateway, socket: GatewaySocket, sessionId: string, typing: boolean): void {
  gw.ctx.metrics.socketEventsOut.inc({ event: "typing" });
  socket
    .to(sessionRoom(sessionId))
    .emit("typing", { sessionId, userId: socket.data.userId, typing });
}

/**
 * Turns a socket's typing indicator on (refreshing its timeout) or off. Every `true`
 * is passed on, so a member who joins mid-sentence learns of it at the next refresh;
 * `false` only on the change, including when the timeout fires or the socket leaves.
 */
export function setTyping(
  gw: Gateway,
  socket: GatewaySocket,
  sessionId: string,
  typing: boolean,
): void {
  let mine = timers.get(socket);
  const current = mine?.get(sessionId);
  if (current) clearTimeout(current);
  if (typing) {
    if (!mine) {
      mine = new Map();
      timers.set(socket, mine);
    }
    const timer = setTimeout(() => setTyping(gw, socket, sessionId, false), TYPING_TIMEOUT_MS);
    timer.unref();
    mine.set(sessionId, timer);
    announce(gw, socket, sessionId, true);
  } else if (current) {
    mine!.delete(sessionId);
    announce(gw, socket, sessionId, false);
  }
}
