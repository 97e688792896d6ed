import { randomBytes } from "node:crypto";
import type { WidgetCaps, WidgetTemplate } from "@engunity/shared";
import { Op } from "sequelize";
import { isUniqueViolation } from "../dbErrors";
import type { Db } from "../index";
import type { WidgetKey } from "../models/WidgetKey";
import type { WidgetVisitor } from "../models/WidgetVisitor";

export interface NewWidgetKey {
  id: string;
  createdBy: string;
  teamName: string;
  secretHash: string;
  prefix: string;
  allowedOrigins: string[];
  sessionId: string | null;
  template: WidgetTemplate | null;
  allowAnonymous: boolean;
  caps: WidgetCaps;
}

export async function createWidgetKey(db: Db, input: NewWidgetKey): Promise<WidgetKey> {
  return db.models.WidgetKey.create(input);
}

/** Keys the user created or whose bound session they own; every key for an admin. */
export async function listWidgetKeys(
  db: Db,
  user: { id: string; isSuperuser: boolean },
): Promise<WidgetKey[]> {
  const { WidgetKey, ChatSession } = db.models;
  if (user.isSuperuser) return WidgetKey.findAll({ order: [["createdAt", "DESC"]] });
  const owned = await ChatSession.findAll({ where: { userId: user.id }, attributes: ["id"] });
  return WidgetKey.findAll({
    where: {
      [Op.or]: [{ createdBy: user.id }, { sessionId: owned.map((s) => s.id) }],
    },
    order: [["createdAt", "DESC"]],
  });
}

export interface VisitorInput {
  externalId: string;
  name: string;
  email: string | null;
  pageUrl: string | null;
}

export interface AdmittedVisitor {
  visitor: WidgetVisitor;
  sessionId: string;
  /** True when this exchange created the visitor's session (it counts against the daily cap). */
  newSession: boolean;
  /** True when the visitor became a member of the session just now. */
  joined: boolean;
}

/**
 * Brings a visitor in through a key: their user row (created once per key and host
 * id), and their session — the key's one session, or their own created from the
 * key's template, owned by the key's creator. The visitor is an editor there.
 * `beforeNewSession` runs before a session is created and may refuse (the daily cap).
 */
export async function admitVisitor(
  db: Db,
  key: WidgetKey,
  input: VisitorInput,
  beforeNewSession: () => Promise<void>,
): Promise<AdmittedVisitor> {
  try {
    return await admitOnce(db, key, input, beforeNewSession);
  } catch (err) {
    // Two first exchanges of one visitor at once: the loser finds the winner's row.
    if (isUniqueViolation(err)) return admitOnce(db, key, input, beforeNewSession);
    throw err;
  }
}

async function admitOnce(
  db: Db,
  key: WidgetKey,
  input: VisitorInput,
  beforeNewSession: () => Promise<void>,
): Promise<AdmittedVisitor> {
  const { User, WidgetVisitor, ChatSession, SessionMember } = db.models;
  let visitor = await WidgetVisitor.findOne({
    where: { keyId: key.id, externalId: input.externalId },
  });
  const needsSession = key.sessionId === null && !visitor?.sessionId;
  if (needsSession) await beforeNewSession();
  return db.transaction(async (transaction) => {
    if (!visitor) {
      const handle = randomBytes(8).toString("hex");
      // A user row of its own, with an address that cannot be anyone's and a password
      // hash no password matches: the visitor can only ever come in through the key.
      const user = await User.create(
        {
          username: `visitor-${handle}`,
          email: `${handle}@visitors.invalid`,
          hashedPassword: "!widget-visitor",
          fullName: input.name,
        },
        { transaction },
      );
      visitor = await WidgetVisitor.create(
        {
          keyId: key.id,
          externalId: input.externalId,
          userId: user.id,
          sessionId: null,
          name: input.name,
          email: input.email,
          pageUrl: input.pageUrl,
        },
        { transaction },
      );
    } else {
      visitor.name = input.name;
      if (input.email !== null) visitor.email = input.email;
      if (input.pageUrl !== null) visitor.pageUrl = input.pageUrl;
      await User.update({ fullName: input.name }, { where: { id: visitor.userId }, transaction });
    }
    let sessionId = key.sessionId ?? visitor.sessionId;
    let newSession = false;
    if (!sessionId) {
      const template = key.template;
      const settings: Record<string, string> = { aiMode: template?.aiMode ?? "every" };
      if (template?.provider) settings.provider = template.provider;
      const session = await ChatSession.create(
        {
          userId: key.createdBy,
          title: `${template?.title ?? "Chat"} — ${input.name}`.slice(0, 200),
          settings,
        },
        { transaction },
      );
      await SessionMember.create(
        { sessionId: session.id, userId: key.createdBy, role: "owner" },
        { transaction },
      );
      sessionId = session.id;
      newSession = true;
    }
    visitor.sessionId = sessionId;
    await visitor.save({ transaction });
    const member = await SessionMember.findOne({
      where: { sessionId, userId: visitor.userId },
      transaction,
    });
    if (!member) {
      await SessionMember.create(
        { sessionId, userId: visitor.userId, role: "editor", lastReadAt: new Date() },
        { transaction },
      );
    }
    return { visitor, sessionId, newSession, joined: !member };
  });
}

/** Visitors of the given users, by user id (for the team's "visitor" badge). */
export async function visitorsByUser(
  db: Db,
  userIds: string[],
): Promise<Map<string, WidgetVisitor>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.models.WidgetVisitor.findAll({ where: { userId: userIds } });
  return new Map(rows.map((v) => [v.userId, v]));
}

/** A key's visitors that have a session, most recent first. */
export async function visitorsOfKeys(db: Db, keyIds: string[]): Promise<WidgetVisitor[]> {
  if (keyIds.length === 0) return [];
  return db.models.WidgetVisitor.findAll({
    where: { keyId: keyIds },
    order: [["updatedAt", "DESC"]],
    limit: 500,
  });
}

/**
 * The documents a widget key shares into a visitor's session (its template's
 * `documents`), beside the session's own; none for a session no key created. Checked
 * at every use, not only when the key was made: a document is shared only while the
 * key's creator is active and still owns its session (or is an admin), so an owner
 * who loses a session, or is deactivated, stops publishing its documents at once.
 */
export async function sharedDocumentIds(db: Db, sessionId: string): Promise<string[]> {
  const visitor = await db.models.WidgetVisitor.findOne({
    where: { sessionId },
    attributes: ["keyId"],
  });
  if (!visitor) return [];
  const key = await db.models.WidgetKey.findByPk(visitor.keyId, {
    attributes: ["sessionId", "template", "revokedAt", "createdBy"],
  });
  const ids = key && !key.sessionId && !key.revokedAt ? (key.template?.documents ?? []) : [];
  if (!key || ids.length === 0) return [];
  const creator = await db.models.User.findByPk(key.createdBy, {
    attributes: ["isActive", "isSuperuser"],
  });
  if (!creator?.isActive) return [];
  const docs = await db.models.Document.findAll({
    where: { id: ids },
    attributes: ["id", "sessionId"],
  });
  if (creator.isSuperuser) return docs.map((d) => d.id);
  const owned = await db.models.SessionMember.findAll({
    where: {
      userId: key.createdBy,
      sessionId: docs.flatMap((d) => (d.sessionId ? [d.sessionId] : [])),
      role: "owner",
    },
    attributes: ["sessionId"],
  });
  const ownedSessions = new Set(owned.map((m) => m.sessionId));
  return docs.filter((d) => d.sessionId && ownedSessions.has(d.sessionId)).map((d) => d.id);
}
