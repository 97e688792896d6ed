import { notFound } from "@engunity/core";
import { countMembers, getHistory, presentMessage, presentSession } from "@engunity/db";
import { joinPayloadSchema, LIMITS, presenceFullRoom, sessionRoom } from "@engunity/shared";
import { presentMembers } from "../../announce";
import { ackHandler } from "../ackHandler";
import { authorizeSocket } from "../sessionAccess";

/**
 * `session:join`: a member enters the room and gets what they need to render it —
 * the session, recent history, a page of members and of who is here (with the counts:
 * the ack's size does not grow with the room), generations in flight. Joined with
 * `presence: "full"`, the ack and the presence events carry everyone, as before.
 */
export const sessionJoin = ackHandler(
  "session:join",
  joinPayloadSchema,
  async (gw, socket, payload) => {
    const { ctx } = gw;
    const { sessionId } = payload;
    const full = payload.presence === "full";
    const membership = await authorizeSocket(gw, socket, sessionId, "read");
    const room = sessionRoom(sessionId);
    // Into the room before reading, so no message falls between the history read
    // and the first broadcast; the client drops what it already has by id.
    await socket.join(room);
    if (full) await socket.join(presenceFullRoom(sessionId));
    else await socket.leave(presenceFullRoom(sessionId));
    try {
      const page = full ? undefined : { offset: 0, limit: LIMITS.peoplePage };
      const [history, session, members, memberCount, stillMember, view, generations] =
        await Promise.all([
          getHistory(ctx.db, sessionId, { limit: LIMITS.joinHistory }),
          ctx.db.models.ChatSession.findByPk(sessionId),
          presentMembers(ctx, ctx.db, sessionId, page),
          countMembers(ctx.db, sessionId),
          ctx.db.models.SessionMember.count({
            where: { sessionId, userId: socket.data.userId },
          }),
          gw.presenceView(sessionId, socket.data.userId),
          ctx.runningGenerations(sessionId),
        ]);
      // Removed (or the session deleted) between the check and the join: the
      // eviction ran before this socket was in the room, so leave now.
      if (!history || !session || !stillMember) throw notFound("Session");
      // The joiner is in (even before the next broadcast says so).
      const { ids } = view;
      const shown = full ? ids : ids.slice(0, LIMITS.peoplePage);
      return {
        session: presentSession(session, membership.role, memberCount),
        messages: history.messages.map(presentMessage),
        members,
        memberCount,
        presence: await gw.users.users(shown),
        presenceCount: ids.length,
        presenceSeq: view.seq,
        generations,
      };
    } catch (err) {
      await socket.leave(room);
      throw err;
    }
  },
);
