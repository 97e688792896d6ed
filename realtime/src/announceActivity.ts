import type { ChatMessage } from "@engunity/db";
import type { ReadState } from "@engunity/shared";
import { userRoom } from "@engunity/shared";
import type { AppContext } from "./context";

/**
 * What rides each user's own room (`userRoom`) for the sidebar: activity in any of
 * their sessions, and read state moving on one of their devices. One emit to many
 * rooms: Socket.IO serialises the frame once and delivers it once per socket.
 */

/** The user rooms of a session's members: one indexed read of `session_members`. */
export async function memberRooms(ctx: AppContext, sessionId: string): Promise<string[]> {
  const rows = await ctx.db.models.SessionMember.findAll({
    where: { sessionId },
    attributes: ["userId"],
  });
  return rows.map((r) => userRoom(r.userId));
}

/** `session:activity` to every member: a message arrived (clients count unread from it). */
export async function announceActivity(ctx: AppContext, message: ChatMessage): Promise<void> {
  const rooms = await memberRooms(ctx, message.sessionId);
  if (rooms.length === 0) return;
  ctx.emitter.to(rooms).emit("session:activity", {
    sessionId: message.sessionId,
    messageId: message.id,
    authorId: message.authorId,
    createdAt: message.createdAt.toISOString(),
  });
}

/** `session:read` to the user's own devices. */
export function announceRead(ctx: AppContext, userId: string, state: ReadState): void {
  ctx.emitter.to(userRoom(userId)).emit("session:read", state);
}
