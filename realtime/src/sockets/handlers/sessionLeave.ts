import { leavePayloadSchema, sessionRoom } from "@engunity/shared";
import { onAckEvent } from "../ackHandler";
import type { SocketHandler } from "../types";
import { setTyping } from "../typingState";

/** `session:leave`: out of the room; leaving a room one is not in is fine. */
export const sessionLeave: SocketHandler = {
  event: "session:leave",
  register(gw, socket) {
    onAckEvent(gw, socket, "session:leave", leavePayloadSchema, async ({ sessionId }) => {
      setTyping(gw, socket, sessionId, false);
      await socket.leave(sessionRoom(sessionId));
      return {};
    });
  },
};
