import { notFound } from "@engunity/core";
import { getHistory, presentMessage, presentSession } from "@engunity/db";
import { joinPayloadSchema, LIMITS, sessionRoom } from "@engunity/shared";
import { presentMembers } from "../../announce";
import { onAckEvent } from "../ackHandler";
import { authorizeSocket } from "../sessionAccess";
import type { SocketHandler } from "../types";

/**
 * `session:join`: a member enters the room and gets what they need to render it —
 * the session, recent history, members, who is here, generations in flight.
 */
export const sessionJoin: SocketHandler = {
  event: "session:join",
  register(gw, socket) {
    const { ctx } = gw;
    onAckEvent(gw, socket, "session:join", joinPayloadSchema, async ({ sessionId }) => {
      const membership = await authorizeSocket(gw, socket, sessionId, "read");
      const room = sessionRoom(sessionId);
      // Into the room before reading, so no message falls between the history read
      // and the first broadcast; the client drops what it already has by id.
      await socket.join(room);
      try {
        const [history, session, members, presentIds, generations] = await Promise.all([
          getHistory(ctx.db, sessionId, { limit: LIMITS.joinHistory }),
          ctx.db.models.ChatSession.findByPk(sessionId),
          presentMembers(ctx, ctx.db, sessionId),
          gw.presence.userIds(sessionId),
          ctx.runningGenerations(sessionId),
        ]);
        // Removed (or the session deleted) between the check and the join: the
        // eviction ran before this socket was in the room, so leave now.
        if (!history || !session || !members.some((m) => m.user.id === socket.data.userId)) {
          throw notFound("Session");
        }
        return {
          session: presentSession(session, membership.role, members.length),
          messages: history.messages.map(presentMessage),
          members,
          presence: await gw.users.users(presentIds),
          generations,
        };
      } catch (err) {
        await socket.leave(room);
        throw err;
      }
    });
  },
};
