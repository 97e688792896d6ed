import { deleteAccount as deleteAccountRows, setAccountActive } from "@engunity/db";
import type { AppContext } from "../context";
import type { DomainEvent } from "../events";

/**
 * Deactivates an account: every login session is revoked and every live Socket.IO and
 * Yjs connection of the person is cut, on every node, at once. For the admin page.
 */
export async function deactivateAccount(ctx: AppContext, userId: string): Promise<boolean> {
  const found = await setAccountActive(ctx.db, userId, false);
  if (found) await ctx.revocation.revokeUser(userId);
  return found;
}

/**
 * Deletes an account (see `deleteAccount` in db for what happens to sessions and
 * messages). Connections are cut first, so nothing of theirs writes while the rows go.
 */
export async function deleteAccount(ctx: AppContext, userId: string): Promise<DomainEvent[]> {
  await ctx.revocation.revokeUser(userId);
  const { ownedSessionIds, leftSessionIds } = await deleteAccountRows(ctx.db, userId);
  return [
    ...ownedSessionIds.map((sessionId): DomainEvent => ({ type: "session.deleted", sessionId })),
    ...leftSessionIds.flatMap((sessionId): DomainEvent[] => [
      { type: "member.removed", sessionId, userId },
      { type: "members.updated", sessionId },
    ]),
  ];
}
