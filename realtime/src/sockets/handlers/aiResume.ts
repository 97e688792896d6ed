import { resumePayloadSchema } from "@engunity/shared";
import { resumeAi } from "../../commands/aiControl";
import { onAckEvent } from "../ackHandler";
import { ensureTokenScope } from "../sessionAccess";
import type { SocketHandler } from "../types";

/** `ai:resume`: the batches a viewer missed after `afterSeq`, or the final message. */
export const aiResume: SocketHandler = {
  event: "ai:resume",
  register(gw, socket) {
    onAckEvent(
      gw,
      socket,
      "ai:resume",
      resumePayloadSchema,
      async ({ sessionId, messageId, afterSeq }) => {
        ensureTokenScope(socket, sessionId);
        return resumeAi(gw.ctx, socket.data.userId, sessionId, messageId, afterSeq);
      },
    );
  },
};
