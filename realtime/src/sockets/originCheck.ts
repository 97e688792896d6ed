import type { IncomingMessage } from "node:http";
import type { Config } from "@engunity/core";

/**
 * Whether a Socket.IO handshake may proceed, judged by its `Origin`. CORS does not
 * cover websockets, so this is what stops another site's page from opening sockets
 * to us from a member's browser (cross-site websocket hijacking). No `Origin` means a
 * non-browser client (a server, a script, a test): the token alone authenticates it.
 * With `ALLOWED_ORIGINS` unset, only the server's own origin (the request's host) passes.
 */
export function originAllowed(
  config: Pick<Config, "ALLOWED_ORIGINS">,
  req: IncomingMessage,
): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const normalized = origin.trim().replace(/\/$/, "").toLowerCase();
  if (config.ALLOWED_ORIGINS.length) {
    return config.ALLOWED_ORIGINS.some((allowed) => allowed.toLowerCase() === normalized);
  }
  try {
    const host = req.headers.host;
    return Boolean(host) && new URL(normalized).host === host!.toLowerCase();
  } catch {
    return false;
  }
}
