import { randomUUID } from "node:crypto";
import {
  AppError,
  authorize,
  authorizeWidgetKey,
  newWidgetSecret,
  notFound,
  unauthorized,
  verifyWidgetToken,
} from "@engunity/core";
import {
  addMember,
  type ChatSession,
  createWidgetKey,
  type Document,
  sharedDocumentIds,
  type User,
  type WidgetKey,
} from "@engunity/db";
import type { CreateWidgetKeyBody, Role } from "@engunity/shared";
import { idParamSchema } from "@engunity/shared";
import type { AppContext } from "../context";
import type { Outcome } from "../events";

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
  const documents = body.sessionId ? [] : [...new Set(body.template?.documents ?? [])];
  await checkSharedDocuments(ctx, user, documents);
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
    template: body.sessionId
      ? null
      : { ...(body.template ?? { title: "Chat", aiMode: "every" }), documents },
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

/**
 * Documents a key may share: each one readable by its creator (an admin may share
 * any). One that is not — or does not exist — is `not_found`, like any document
 * that is not theirs.
 */
async function checkSharedDocuments(ctx: AppContext, user: User, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const docs = await ctx.db.models.Document.findAll({ where: { id: ids } });
  for (const id of ids) {
    const doc = docs.find((d) => d.id === id);
    if (!doc?.sessionId) throw notFound("Document");
    if (user.isSuperuser) continue;
    // Not a member: the document does not exist for them. A member who is not the
    // session's owner may read it but not publish it (403 says so).
    await authorize(ctx.db, user.id, doc.sessionId, "shareDocuments").catch((err: unknown) => {
      throw err instanceof AppError && err.status === 403 ? err : notFound("Document");
    });
  }
}

/**
 * The document a widget token's visitor may open: a live key, a visitor still in the
 * token's session, and a document of that session or shared into it by the key.
 * Anything else is `not_found` (or `unauthorized` without a valid widget token).
 */
export async function visitorDocument(
  ctx: AppContext,
  authorization: string | undefined,
  rawId: unknown,
): Promise<Document> {
  const token = authorization?.startsWith("Bearer ") ? authorization.slice(7).trim() : "";
  const claims = token ? verifyWidgetToken(ctx.config.SECRET_KEY, token) : null;
  if (!claims) throw unauthorized("A valid widget token is required");
  const key = await ctx.db.models.WidgetKey.findByPk(claims.kid, { attributes: ["revokedAt"] });
  if (!key || key.revokedAt) throw unauthorized("This widget key was revoked");
  const id = idParamSchema.safeParse(rawId);
  if (!id.success) throw notFound("Document");
  const [member, doc] = await Promise.all([
    ctx.db.models.SessionMember.findOne({
      where: { sessionId: claims.sid, userId: claims.sub },
      attributes: ["role"],
    }),
    ctx.db.models.Document.findByPk(id.data),
  ]);
  if (!member || !doc?.sessionId) throw notFound("Document");
  if (doc.sessionId === claims.sid) return doc;
  const shared = await sharedDocumentIds(ctx.db, claims.sid);
  if (shared.includes(doc.id)) return doc;
  throw notFound("Document");
}

/**
 * A key's manager (authorized on `key` by the transport) joins a visitor's session of
 * that key as an editor, to answer; an admin is not a member yet. `not_found` for a
 * session no visitor of the key has.
 */
export async function joinVisitorSession(
  ctx: AppContext,
  userId: string,
  key: WidgetKey,
  sessionId: string,
): Promise<Outcome<{ session: ChatSession; role: Role }>> {
  const visitor = await ctx.db.models.WidgetVisitor.findOne({
    where: { keyId: key.id, sessionId },
  });
  const session = visitor ? await ctx.db.models.ChatSession.findByPk(sessionId) : null;
  if (!session) throw notFound("Session");
  const { member, created } = await addMember(ctx.db, sessionId, userId, "editor");
  return {
    result: { session, role: member.role },
    events: created ? [{ type: "members.updated", sessionId }] : [],
  };
}
