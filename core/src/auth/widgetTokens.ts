import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import jwt from "jsonwebtoken";
import { secretKeyOf } from "./tokens";

/**
 * Widget keys and widget tokens — a path of its own, apart from user access tokens.
 *
 * A key (`ewk_<key id>_<secret>`) lives in the host app's backend and is sent only in
 * `X-Widget-Key`; we store the SHA-256 of its secret. The backend trades it for a
 * short-lived widget token: an HS256 JWT with `typ: "widget"`, the visitor's user id
 * as `sub`, the one session as `sid` and the key as `kid`. REST refuses these tokens;
 * the socket gateway accepts them for that session only, while the key is live.
 */

export const WIDGET_KEY_PREFIX = "ewk_";

export interface WidgetSecret {
  /** The whole key, shown once to its creator. */
  key: string;
  secretHash: string;
  /** The key's first characters, to tell keys apart in a list. */
  prefix: string;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** A fresh secret for key `keyId`. */
export function newWidgetSecret(keyId: string): WidgetSecret {
  const secret = randomBytes(32).toString("base64url");
  const key = `${WIDGET_KEY_PREFIX}${keyId.replaceAll("-", "")}_${secret}`;
  return { key, secretHash: sha256(secret), prefix: key.slice(0, 12) };
}

/** The key id and secret inside a presented key, or null when it is not one of ours. */
export function parseWidgetKey(raw: string): { keyId: string; secret: string } | null {
  const m = /^ewk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/.exec(raw.trim());
  if (!m) return null;
  const hex = m[1]!;
  const keyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { keyId, secret: m[2]! };
}

/** Whether `secret` is the one whose hash is stored (constant time). */
export function widgetSecretMatches(secret: string, secretHash: string): boolean {
  const a = Buffer.from(sha256(secret), "hex");
  const b = Buffer.from(secretHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface WidgetClaims {
  sub: string;
  sid: string;
  kid: string;
  typ: "widget";
  exp: number;
  iat: number;
}

export function signWidgetToken(
  secret: string,
  grant: { userId: string; sessionId: string; keyId: string },
  expiresInMinutes: number,
): { token: string; expiresAt: Date } {
  const token = jwt.sign({ sid: grant.sessionId, kid: grant.keyId, typ: "widget" }, secret, {
    algorithm: "HS256",
    subject: grant.userId,
    expiresIn: Math.round(expiresInMinutes * 60),
  });
  const { exp } = jwt.decode(token) as { exp: number };
  return { token, expiresAt: new Date(exp * 1000) };
}

/** A valid widget token's claims (HS256, unexpired, every claim present), else null. */
export function verifyWidgetToken(secret: string, token: string): WidgetClaims | null {
  try {
    return widgetClaimsOf(jwt.verify(token, secretKeyOf(secret), { algorithms: ["HS256"] }));
  } catch {
    return null;
  }
}

/**
 * The claims of an already verified token as a widget token's, or null when it is not
 * one (a user token): one signature check serves a handshake that takes either kind.
 */
export function widgetClaimsOf(c: unknown): WidgetClaims | null {
  if (typeof c !== "object" || c === null) return null;
  const w = c as Record<string, unknown>;
  if (w.typ !== "widget" || typeof w.sub !== "string" || typeof w.exp !== "number") return null;
  if (typeof w.sid !== "string" || typeof w.kid !== "string") return null;
  return c as WidgetClaims;
}
