import {
  envelope,
  type FrameToHost,
  type HostToFrame,
  parseHostMessage,
} from "@engunity/shared/widgetMessages";

/**
 * The embed's side of the postMessage channel. It talks only to its parent window,
 * only at the origin the loader named (`o`) — which must be one of the key's allowed
 * origins, the same list the `frame-ancestors` header enforces — and only in the
 * versioned schema; anything else is dropped unread.
 */
const params = new URLSearchParams(location.search);
export const keyId = params.get("k") ?? "";
const parentOrigin = params.get("o") ?? "";
let trusted = false;

/** Opens the channel once the key's allowed origins are known. */
export function trustParent(allowedOrigins: string[]): boolean {
  trusted = window.parent !== window && allowedOrigins.includes(parentOrigin);
  return trusted;
}

export function postToHost(message: FrameToHost): void {
  if (trusted) window.parent.postMessage(envelope(message), parentOrigin);
}

export function onHostMessage(fn: (message: HostToFrame) => void): () => void {
  const listener = (e: MessageEvent) => {
    if (!trusted || e.source !== window.parent || e.origin !== parentOrigin) return;
    const message = parseHostMessage(e.data);
    if (message) fn(message);
  };
  window.addEventListener("message", listener);
  return () => window.removeEventListener("message", listener);
}

/** The claims the embed needs from its token (the server verifies it; this only reads). */
export function tokenClaims(token: string): { sub: string; sid: string; exp: number } | null {
  try {
    const part = token.split(".")[1] ?? "";
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const c = JSON.parse(json) as { sub?: unknown; sid?: unknown; exp?: unknown };
    return typeof c.sub === "string" && typeof c.sid === "string" && typeof c.exp === "number"
      ? { sub: c.sub, sid: c.sid, exp: c.exp }
      : null;
  } catch {
    return null;
  }
}
