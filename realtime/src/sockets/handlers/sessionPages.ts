import { countMembers } from "@engunity/db";
import { pagePayloadSchema, sessionRoom } from "@engunity/shared";
import { presentMembers } from "../../announce";
import { ackHandler } from "../ackHandler";
import { authorizeSocket, ensureNotWidget } from "../sessionAccess";

/** `session:members`: one more page of members (any member; the join ack has the first). */
export const sessionMembers = ackHandler(
  "session:members",
  pagePayloadSchema,
  async (gw, socket, page) => {
    ensureNotWidget(socket, "list members");
    await authorizeSocket(gw, socket, page.sessionId, "read");
    const [members, memberCount] = await Promise.all([
      presentMembers(gw.ctx, gw.ctx.db, page.sessionId, page),
      countMembers(gw.ctx.db, page.sessionId),
    ]);
    return { members, memberCount };
  },
);

/**
 * `session:presence`: one more page of who is here, in the order of the presence page
 * (a snapshot: the live events keep only the first page current).
 */
export const sessionPresence = ackHandler(
  "session:presence",
  pagePayloadSchema,
  async (gw, socket, page) => {
    ensureNotWidget(socket, "list who is here");
    await authorizeSocket(gw, socket, page.sessionId, "read");
    // The view is kept for rooms with sockets here; otherwise read the store as it is.
    const end = page.offset + page.limit;
    const [ids, count, seq] = socket.rooms.has(sessionRoom(page.sessionId))
      ? await gw
          .presenceView(page.sessionId)
          .then((v) => [v.slice(page.offset, page.limit), v.count, v.seq] as const)
      : await gw.presence
          .userIds(page.sessionId)
          .then((all) => [all.slice(page.offset, end), all.length, 0] as const);
    const users = await gw.users.users(ids);
    return { users, presenceCount: count, presenceSeq: seq };
  },
);
