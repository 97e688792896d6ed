import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Refresh tokens: `rt1.<loginSessionId>.<generation>.<mac>`, the mac an HMAC-SHA256
 * (keyed by SECRET_KEY) over the login session id, the generation and the session's
 * own secret. Nothing per token is stored: the login session keeps its secret and its
 * current generation, so any token it ever issued can be recognised — the current one
 * (rotate), a spent one (reuse: the family is revoked), or a forgery (refused, nothing
 * else happens, so a guessed id cannot sign someone out).
 */
export interface RefreshTokenParts {
  loginSessionId: string;
  generation: number;
  mac: string;
}

export const newRefreshSecret = (): string => randomBytes(32).toString("base64url");

function macOf(secretKey: string, loginSessionId: string, generation: number, secret: string) {
  return createHmac("sha256", secretKey)
    .update(`${loginSessionId}.${generation}.${secret}`)
    .digest("base64url");
}

export function signRefreshToken(
  secretKey: string,
  loginSessionId: string,
  generation: number,
  sessionSecret: string,
): string {
  return `rt1.${loginSessionId}.${generation}.${macOf(secretKey, loginSessionId, generation, sessionSecret)}`;
}

/** The parts of a well-formed refresh token, or null. Says nothing about validity. */
export function parseRefreshToken(token: string): RefreshTokenParts | null {
  const m = /^rt1\.([0-9a-f-]{36})\.(\d{1,9})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return null;
  return { loginSessionId: m[1]!, generation: Number(m[2]), mac: m[3]! };
}

/** Whether the token was issued by this server for that login session (any generation). */
export function refreshTokenGenuine(
  secretKey: string,
  parts: RefreshTokenParts,
  sessionSecret: string,
): boolean {
  const expected = Buffer.from(
    macOf(secretKey, parts.loginSessionId, parts.generation, sessionSecret),
  );
  const given = Buffer.from(parts.mac);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
