import { randomUUID } from "node:crypto";
import { authorize, authorizeWidgetKey, newWidgetSecret } from "@engunity/core";
import { createWidgetKey, type User, type WidgetKey } from "@engunity/db";
import type { CreateWidgetKeyBody } from "@engunity/shared";
import type { AppContext } from "../context";

/** A key and its secret, which is shown this once and never again. */
export interface IssuedKey {
  key: WidgetKey;
  secret: string;
}

/**
 * Creates a widget key. Bound to one session, the caller must own it; otherwise each
 * visitor gets a session of their own from the template, owned by the caller.
 */
export async function createKey(
  ctx: AppContext,
  user: User,
  body: CreateWidgetKeyBody,
): Promise<IssuedKey> {
  if (body.sessionId && !user.isSuperuser) {
    await authorize(ctx.db, user.id, body.sessionId, "manageMembers");
  }
  const id = randomUUID();
  const secret = newWidgetSecret(id);
  const key = await createWidgetKey(ctx.db, {
    id,
    createdBy: user.id,
    teamName: body.teamName,
    secretHash: secret.secretHash,
    prefix: secret.prefix,
    allowedOrigins: [...new Set(body.allowedOrigins)],
    sessionId: body.sessionId ?? null,
    template: body.sessionId ? null : (body.template ?? { title: "Chat", aiMode: "every" }),
    allowAnonymous: body.allowAnonymous,
    caps: body.caps,
  });
  return { key, secret: secret.key };
}

/**
 * A new secret for the key; the old one stops working at once. Widgets already
 * running keep their tokens until those expire (the host's backend fetches the next
 * one with the new secret).
 */
export async function rotateKey(ctx: AppContext, user: User, keyId: string): Promise<IssuedKey> {
  const key = await authorizeWidgetKey(ctx.db, user, keyId);
  const secret = newWidgetSecret(key.id);
  key.secretHash = secret.secretHash;
  key.prefix = secret.prefix;
  key.rotatedAt = new Date();
  await key.save();
  return { key, secret: secret.key };
}

/**
 * Revokes the key for good: no new tokens, handshakes with its tokens refused, and
 * every live widget socket of it disconnected on every node.
 */
export async function revokeKey(ctx: AppContext, user: User, keyId: string): Promise<WidgetKey> {
  const key = await authorizeWidgetKey(ctx.db, user, keyId);
  if (!key.revokedAt) {
    key.revokedAt = new Date();
    await key.save();
  }
  ctx.cutWidgetKey(key.id);
  return key;
}
