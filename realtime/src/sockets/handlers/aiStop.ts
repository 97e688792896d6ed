import { stopPayloadSchema } from "@engunity/shared";
import { publish } from "../../announce";
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
      await publish(gw.ctx, await stopAi(gw.ctx, socket.data.userId, sessionId, messageId));
      return {};
    });
  },
};
