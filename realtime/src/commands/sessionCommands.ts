import { authorize } from "@engunity/core";
import { type ChatSession, deleteSession as deleteSessionRow, updateSession } from "@engunity/db";
import type { PatchSessionBody, Role } from "@engunity/shared";
import type { AppContext } from "../context";
import type { DomainEvent, Outcome } from "../events";

/**
 * Renames a session or changes its settings (each needs its own ability); the
 * co-edited title follows a rename, so doc and column stay equal.
 */
export async function editSession(
  ctx: AppContext,
  userId: string,
  sessionId: string,
  body: PatchSessionBody,
): Promise<Outcome<{ session: ChatSession; role: Role }>> {
  const membership = await authorize(
    ctx.db,
    userId,
    sessionId,
    body.title !== undefined ? "editTitle" : "editSettings",
  );
  if (body.settings) await authorize(ctx.db, userId, sessionId, "editSettings");
  const session = await updateSession(ctx.db, sessionId, body);
  if (body.title !== undefined) await ctx.docs.setTitle(sessionId, session.title);
  return {
    result: { session, role: membership.role },
    events: [{ type: "session.updated", session, role: membership.role }],
  };
}

/** Deletes a session (its owner's ability): its room is told and every connection cut. */
export async function removeSession(
  ctx: AppContext,
  userId: string,
  sessionId: string,
): Promise<DomainEvent[]> {
  await authorize(ctx.db, userId, sessionId, "delete");
  await deleteSessionRow(ctx.db, sessionId);
  return [{ type: "session.deleted", sessionId }];
}
