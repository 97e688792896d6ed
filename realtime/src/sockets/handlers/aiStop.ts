import { stopPayloadSchema } from "@engunity/shared";
import { stopAi } from "../../commands/aiControl";
import { onAckEvent } from "../ackHandler";
import { ensureTokenScope } from "../sessionAccess";
import type { SocketHandler } from "../types";

/** `ai:stop`: any editor, on any node, stops a running generation. */
export const aiStop: SocketHandler = {
  event: "ai:stop",
  register(gw, socket) {
    onAckEvent(gw, socket, "ai:stop", stopPayloadSchema, async ({ sessionId, messageId }) => {
      ensureTokenScope(socket, sessionId);
      await stopAi(gw.ctx, socket.data.userId, sessionId, messageId);
      return {};
    });
  },
};
