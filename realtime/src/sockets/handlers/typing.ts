import { sessionRoom, typingPayloadSchema } from "@engunity/shared";
import { spendEvent } from "../eventBudget";
import type { SocketHandler } from "../types";
import { setTyping } from "../typingState";

/**
 * `typing` (no ack): passed on to the rest of the room, only from a socket that
 * joined it. Anything malformed or over budget is dropped without a word.
 */
export const typing: SocketHandler = {
  event: "typing",
  handle(gw, socket, [payload]) {
    if (!spendEvent(socket)) return;
    const parsed = typingPayloadSchema.safeParse(payload);
    if (!parsed.success) return;
    const { sessionId, typing: on } = parsed.data;
    if (!socket.rooms.has(sessionRoom(sessionId))) return;
    setTyping(gw, socket, sessionId, on);
  },
};
