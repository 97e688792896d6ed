import type { ChatMessage } from "@engunity/db";
import type { ReadState } from "@engunity/shared";
import { sessionRoom, sessionWatchRoom, userRoom } from "@engunity/shared";
import type { AppContext } from "./context";

/**
 * What rides the user channel for the sidebar: activity in any of a user's sessions
 * (to the session's watch room, which every member's sockets are in), and read state
 * moving on one of their devices (to their own room). No database read per message.
 */

/**
 * `session:activity` to every member: a message arrived (clients count unread from it).
 * Not to the sockets viewing the session: their `message:new` says the same, and one
 * frame per socket per message is half the fan-out of two.
 */
export function announceActivity(ctx: AppContext, message: ChatMessage): void {
  const { sessionId } = message;
  ctx.emitter.to(sessionWatchRoom(sessionId), sessionRoom(sessionId)).emit("session:activity", {
    sessionId,
    messageId: message.id,
    authorId: message.authorId,
    createdAt: message.createdAt.toISOString(),
  });
}

/** `session:read` to the user's own devices. */
export function announceRead(ctx: AppContext, userId: string, state: ReadState): void {
  ctx.emitter.to(userRoom(userId)).emit("session:read", state);
}
