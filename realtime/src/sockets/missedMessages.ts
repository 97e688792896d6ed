import { presentRoomMessage } from "@engunity/db";
import { LIMITS, sessionIdOfRoom } from "@engunity/shared";
import { Op } from "sequelize";
import type { Gateway } from "./types";

/**
 * How far before the break a replay reaches: messages are stamped by the node that
 * stored them, whose clock may run behind this one's, and one stored just before the
 * break may have been published into it.
 */
const CLOCK_MARGIN_MS = 5_000;

/**
 * `message:new` again, to this node's sockets only, for every message stored in its
 * rooms since `brokeAt` (the adapter's subscription broke then): whatever another node
 * published meanwhile never reached this one. Clients drop a message they already hold
 * by id, so replaying one they saw is harmless; one they missed now shows without a
 * re-join. Up to `LIMITS.historyPageMax` per room, oldest first; a room that had more
 * keeps its gap until the next join (the history page fills it).
 *
 * Called once the subscription is back: messages published after it arrive live, and
 * this read (which starts after it) holds every one stored before.
 */
export async function replayMissedMessages(gw: Gateway, brokeAt: number): Promise<number> {
  const since = new Date(brokeAt - CLOCK_MARGIN_MS);
  let replayed = 0;
  for (const room of [...gw.io.of("/").adapter.rooms.keys()]) {
    const sessionId = sessionIdOfRoom(room);
    if (!sessionId) continue;
    const rows = await gw.ctx.db.models.ChatMessage.findAll({
      where: { sessionId, createdAt: { [Op.gte]: since } },
      include: [{ association: "author" }],
      order: [
        ["createdAt", "ASC"],
        ["id", "ASC"],
      ],
      limit: LIMITS.historyPageMax,
    });
    for (const message of rows) {
      gw.io.local.to(room).emit("message:new", { sessionId, message: presentRoomMessage(message) });
      replayed += 1;
    }
  }
  return replayed;
}
