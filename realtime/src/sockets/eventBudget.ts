import type { GatewaySocket } from "./types";

/** Client events one socket may send per second before they are refused. */
export const EVENTS_PER_SECOND = 30;

const windows = new WeakMap<GatewaySocket, { start: number; used: number }>();

/**
 * Spends one event from the socket's budget; false when it is over. A fixed window in
 * memory: it stops one socket flooding the node with cheap events (joins, typing).
 * Messages also have a per-user limit shared across nodes, in the send command.
 */
export function spendEvent(socket: GatewaySocket, now = Date.now()): boolean {
  let window = windows.get(socket);
  if (!window || now - window.start >= 1000) {
    window = { start: now, used: 0 };
    windows.set(socket, window);
  }
  window.used += 1;
  return window.used <= EVENTS_PER_SECOND;
}
