import type { Db } from "@engunity/db";
import { userRoom } from "@engunity/shared";
import type { GatewayServer } from "./sockets";
import type { YjsServer } from "./yjs/yjsServer";

/**
 * Cuts a user's live connections on every node: their Socket.IO sockets (the user
 * room spans nodes through the Redis adapter) and their Yjs connections to each
 * session they belong to (the Yjs evict is published to every node holding the doc).
 * New connections are refused at the handshake once the account is inactive.
 *
 * The one place this is done; the trust work's revocation (issue 11) replaces the body.
 */
export async function revokeUserConnections(
  deps: { db: Db; io: GatewayServer; yjs: Pick<YjsServer, "evict"> },
  userId: string,
): Promise<void> {
  deps.io.in(userRoom(userId)).disconnectSockets(true);
  const memberships = await deps.db.models.SessionMember.findAll({
    where: { userId },
    attributes: ["sessionId"],
    raw: true,
  });
  for (const m of memberships) deps.yjs.evict(m.sessionId, userId);
}
