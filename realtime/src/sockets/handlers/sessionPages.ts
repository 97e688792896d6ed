import { countMembers } from "@engunity/db";
import { pagePayloadSchema, sessionRoom } from "@engunity/shared";
import { presentMembers } from "../../announce";
import { onAckEvent } from "../ackHandler";
import { authorizeSocket, ensureNotWidget } from "../sessionAccess";
import type { SocketHandler } from "../types";

/** `session:members`: one more page of members (any member; the join ack has the first). */
export const sessionMembers: SocketHandler = {
  event: "session:members",
  register(gw, socket) {
    onAckEvent(gw, socket, "session:members", pagePayloadSchema, async (page) => {
      ensureNotWidget(socket, "list members");
      await authorizeSocket(gw, socket, page.sessionId, "read");
      const [members, memberCount] = await Promise.all([
        presentMembers(gw.ctx, gw.ctx.db, page.sessionId, page),
        countMembers(gw.ctx.db, page.sessionId),
      ]);
      return { members, memberCount };
    });
  },
};

/**
 * `session:presence`: one more page of who is here, in the order of the presence page
 * (a snapshot: the live events keep only the first page current).
 */
export const sessionPresence: SocketHandler = {
  event: "session:presence",
  register(gw, socket) {
    onAckEvent(gw, socket, "session:presence", pagePayloadSchema, async (page) => {
      ensureNotWidget(socket, "list who is here");
      await authorizeSocket(gw, socket, page.sessionId, "read");
      // The view is kept for rooms with sockets here; otherwise read the store as it is.
      const view = socket.rooms.has(sessionRoom(page.sessionId))
        ? await gw.presenceView(page.sessionId)
        : { ids: await gw.presence.userIds(page.sessionId), seq: 0 };
      const users = await gw.users.users(view.ids.slice(page.offset, page.offset + page.limit));
      return { users, presenceCount: view.ids.length, presenceSeq: view.seq };
    });
  },
};
