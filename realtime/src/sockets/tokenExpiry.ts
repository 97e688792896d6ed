import type { GatewaySocket } from "./types";

/** setTimeout's ceiling (about 24.8 days); longer waits are chained. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Disconnects the socket when its token expires: a token is checked once at the
 * handshake, so without this a socket would outlive it indefinitely.
 */
export function disconnectAtExpiry(socket: GatewaySocket): void {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = socket.data.exp * 1000 - Date.now();
    if (left <= 0) {
      socket.disconnect(true);
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_DELAY_MS));
  };
  arm();
  socket.once("disconnect", () => clearTimeout(timer));
}
