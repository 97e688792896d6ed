import { createSecretKey, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";

const keys = new Map<string, KeyObject>();
/**
 * The signing secret as a KeyObject, made once: given a string, jsonwebtoken tries
 * `createPublicKey` on it first and catches the throw on every verify — about 3 % of a
 * node's CPU under a join storm (issue 16 profile).
 */
export function secretKeyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret));
    if (keys.size > 16) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

/**
 * Access tokens: HS256 JWTs with `sub` (user id) and a mandatory `exp`. A user's token
 * also carries `jti`, the id of the login session it belongs to (revocable); a widget
 * token carries `sid` instead (revoked by its key).
 */

export interface AccessClaims {
  sub: string;
  exp: number;
  iat: number;
  /** Present on widget tokens: the only session the token may touch. */
  sid?: string;
  /** Present on user tokens: the login session (revocable), see `revocation.ts`. */
  jti?: string;
}

export function signAccessToken(
  secret: string,
  userId: string,
  expiresInMinutes: number,
  extra: { sid?: string; jti?: string } = {},
): string {
  const { jti, ...claims } = extra;
  return jwt.sign(claims, secret, {
    algorithm: "HS256",
    subject: userId,
    expiresIn: expiresInMinutes * 60,
    ...(jti ? { jwtid: jti } : {}),
  });
}

/**
 * Verifies signature (HS256 only: `alg: none` and algorithm swaps are refused),
 * expiry, and that `exp` and `sub` exist. Returns null for any bad token.
 */
export function verifyAccessToken(secret: string, token: string): AccessClaims | null {
  try {
    const claims = jwt.verify(token, secretKeyOf(secret), { algorithms: ["HS256"] });
    if (typeof claims !== "object" || claims === null) return null;
    if (typeof claims.sub !== "string" || typeof claims.exp !== "number") return null;
    if (claims.jti !== undefined && typeof claims.jti !== "string") return null;
    return claims as AccessClaims;
  } catch {
    return null;
  }
}

/**
 * When a live connection (Socket.IO, Yjs) opened with these claims ends on its own. A
 * user token belongs to a login session, whose revocation (logout, password change,
 * refresh-token reuse…) cuts the connection within a second; so the connection lives as
 * long as that session may (`REFRESH_TOKEN_EXPIRE_DAYS`), not the short access token,
 * and a client renewing its access token keeps its connections. Any other token (a
 * widget's) ends its connections when it expires.
 */
export function liveConnectionExp(claims: AccessClaims, refreshTokenDays: number): number {
  if (claims.jti === undefined || claims.sid !== undefined) return claims.exp;
  return Math.max(claims.exp, Math.floor(Date.now() / 1000 + refreshTokenDays * 86_400));
}
