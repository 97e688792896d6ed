import { notFound } from "@engunity/core";
import { presentSession } from "@engunity/db";
import { joinPayloadSchema, LIMITS, presenceFullRoom, sessionRoom } from "@engunity/shared";
import { loadMembers, markOnline } from "../../announce";
import { ackHandler } from "../ackHandler";
import { authorizeSocket } from "../sessionAccess";

/**
 * `session:join`: a member enters the room and gets what they need to render it —
 * the session, recent history, a page of members and of who is here (with the counts:
 * the ack's size does not grow with the room), generations in flight. Joined with
 * `presence: "full"`, the ack and the presence events carry everyone, as before.
 *
 * What every joiner sees alike (session, history, members page, count) is the room's
 * snapshot, read once per room and dropped on the room's next event (`joinSnapshots`):
 * a join reads only the membership — again after entering the room if an eviction ran
 * on this node meanwhile.
 */
export const sessionJoin = ackHandler(
  "session:join",
  joinPayloadSchema,
  async (gw, socket, payload) => {
    const { ctx } = gw;
    const { sessionId } = payload;
    const full = payload.presence === "full";
    // Counted before the membership read is sent: a removal that read did not see
    // commits after it, and its eviction reaches this node after that.
    const moves = gw.socketMoves();
    const role = await authorizeSocket(gw, socket, sessionId, "read");
    const room = sessionRoom(sessionId);
    // Into the room before reading, so no message falls between the history read
    // and the first broadcast; the client drops what it already has by id. (The
    // snapshot relies on it too: every change after it is delivered to this socket.)
    await socket.join(room);
    if (full) await socket.join(presenceFullRoom(sessionId));
    else await socket.leave(presenceFullRoom(sessionId));
    try {
      // An eviction that ran here between the read and the join missed this socket
      // (not in the room yet): read the membership again. One that runs after the
      // join takes the socket out itself.
      const recheck = gw.socketMoves() !== moves;
      const [snapshot, everyone, stillMember, view, generations] = await Promise.all([
        gw.snapshots.get(sessionId),
        full ? loadMembers(ctx.db, sessionId) : undefined,
        recheck
          ? ctx.db.models.SessionMember.count({
              where: { sessionId, userId: socket.data.userId },
            })
          : 1,
        gw.presenceView(sessionId, socket.data.userId),
        ctx.runningGenerations(sessionId),
      ]);
      // Removed (or the session deleted) between the check and the join: the
      // eviction ran before this socket was in the room, so leave now.
      if (!snapshot || !stillMember) throw notFound("Session");
      // The joiner is in (even before the next broadcast says so); online is who
      // this node's sockets are told is here, as the presence page below.
      const shown = view.slice(0, full ? undefined : LIMITS.peoplePage);
      const { memberCount } = snapshot;
      return {
        session: presentSession(snapshot.session, role, memberCount),
        messages: snapshot.messages,
        members: markOnline(everyone ?? snapshot.members, view),
        memberCount,
        presence: await gw.users.users(shown),
        presenceCount: view.count,
        presenceSeq: view.seq,
        generations,
      };
    } catch (err) {
      await socket.leave(room);
      throw err;
    }
  },
);
