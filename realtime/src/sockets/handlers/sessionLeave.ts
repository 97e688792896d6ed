import { leavePayloadSchema, sessionRoom } from "@engunity/shared";
import { ackHandler } from "../ackHandler";
import { setTyping } from "../typingState";

/** `session:leave`: out of the room; leaving a room one is not in is fine. */
export const sessionLeave = ackHandler(
  "session:leave",
  leavePayloadSchema,
  async (gw, socket, { sessionId }) => {
    setTyping(gw, socket, sessionId, false);
    await socket.leave(sessionRoom(sessionId));
    return {};
  },
);
