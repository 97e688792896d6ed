import type { SessionSettings } from "@engunity/shared";
import type { Db } from "../index";
import type { ChatSession } from "../models/ChatSession";

/** Creates a session with its owner as the first member. */
export async function createSession(db: Db, ownerId: string, title = ""): Promise<ChatSession> {
  return db.transaction(async (transaction) => {
    const session = await db.models.ChatSession.create(
      { userId: ownerId, title, settings: {} },
      { transaction },
    );
    await db.models.SessionMember.create(
      { sessionId: session.id, userId: ownerId, role: "owner", lastReadAt: new Date() },
      { transaction },
    );
    return session;
  });
}

export interface SessionPatch {
  title?: string;
  settings?: {
    aiMode?: SessionSettings["aiMode"];
    provider?: string | null;
    model?: string | null;
    preference?: SessionSettings["preference"] | null;
  };
}

/** Renames and/or changes settings; `null` clears a provider or model preference. */
export async function updateSession(
  db: Db,
  sessionId: string,
  patch: SessionPatch,
): Promise<ChatSession> {
  return db.transaction(async (transaction) => {
    const session = await db.models.ChatSession.findByPk(sessionId, {
      transaction,
      lock: db.dialect === "postgres",
    });
    if (!session) throw new Error(`session ${sessionId} vanished`);
    if (patch.title !== undefined) session.title = patch.title;
    if (patch.settings) {
      const next: Record<string, unknown> = { ...session.settings };
      for (const [key, value] of Object.entries(patch.settings)) {
        if (value === undefined) continue;
        if (value === null) delete next[key];
        else next[key] = value;
      }
      session.settings = next as ChatSession["settings"];
      session.changed("settings", true);
    }
    await session.save({ transaction });
    return session;
  });
}

/** Deletes a session; messages, members, invites and documents go with it (FK cascade). */
export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  await db.transaction(async (transaction) => {
    await db.models.ChatSession.destroy({ where: { id: sessionId }, transaction });
  });
}

/** Members of a session, owner first, then by join time. */
/**
 * A session's members, owner first, then editors, then viewers, each oldest first; with
 * `page`, only that slice (the order is the database's, so pages never overlap).
 */
export async function listMembers(
  db: Db,
  sessionId: string,
  page?: { offset: number; limit: number },
) {
  return db.models.SessionMember.findAll({
    where: { sessionId },
    include: [{ association: "user" }],
    order: [
      [
        db.sequelize.literal(
          `CASE "SessionMember"."role" WHEN 'owner' THEN 0 WHEN 'editor' THEN 1 ELSE 2 END`,
        ),
        "ASC",
      ],
      ["createdAt", "ASC"],
      ["userId", "ASC"],
    ],
    ...(page ? { offset: page.offset, limit: page.limit } : {}),
  });
}

export async function countMembers(db: Db, sessionId: string): Promise<number> {
  return db.models.SessionMember.count({ where: { sessionId } });
}
