import { stopPayloadSchema } from "@engunity/shared";
import { publish } from "../../announce";
import { stopAi } from "../../commands/aiControl";
import { ackHandler } from "../ackHandler";
import { ensureTokenScope } from "../sessionAccess";

/** `ai:stop`: any editor, on any node, stops a running generation. */
export const aiStop = ackHandler(
  "ai:stop",
  stopPayloadSchema,
  async (gw, socket, { sessionId, messageId }) => {
    ensureTokenScope(socket, sessionId);
    await publish(gw.ctx, await stopAi(gw.ctx, socket.data.userId, sessionId, messageId));
    return {};
  },
);
