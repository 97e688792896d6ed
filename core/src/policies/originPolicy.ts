/**
 * Whether a browser request's `Origin` may talk to us: the one rule for Socket.IO and
 * Yjs handshakes (CORS does not cover websockets, so this is what stops another
 * site's page from opening sockets from a member's browser — cross-site websocket
 * hijacking) and for the origins trusted in invite links.
 *
 * No `Origin` means a non-browser client (a server, a script, a test): its token or
 * ticket alone decides. With `allowed` empty, only the server's own origin (Origin
 * host equal to the request's Host) passes. Compared trimmed, without a trailing
 * slash, case-insensitively (scheme and host are case-insensitive).
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined) return true;
  const normalized = origin.trim().replace(/\/$/, "").toLowerCase();
  if (allowed.length > 0) return allowed.some((a) => a.toLowerCase() === normalized);
  try {
    return host !== undefined && new URL(normalized).host === host.toLowerCase();
  } catch {
    return false;
  }
}
