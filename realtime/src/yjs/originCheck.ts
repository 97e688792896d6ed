/**
 * Whether a websocket handshake's `Origin` may connect (cross-site websocket
 * hijacking: a browser sends the victim's cookies along with any page's handshake,
 * and always sends its page's Origin). No Origin: not a browser, the ticket decides.
 * With no allowed list, only the server's own origin (Origin host = Host) passes.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: string[],
): boolean {
  if (origin === undefined) return true;
  const normalized = origin.replace(/\/$/, "");
  if (allowed.length > 0) return allowed.includes(normalized);
  try {
    return host !== undefined && new URL(normalized).host === host;
  } catch {
    return false;
  }
}
