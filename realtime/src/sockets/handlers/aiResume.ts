import { resumePayloadSchema } from "@engunity/shared";
import { resumeAi } from "../../commands/aiControl";
import { ackHandler } from "../ackHandler";
import { ensureTokenScope } from "../sessionAccess";

/** `ai:resume`: the batches a viewer missed after `afterSeq`, or the final message. */
export const aiResume = ackHandler(
  "ai:resume",
  resumePayloadSchema,
  async (gw, socket, { sessionId, messageId, afterSeq }) => {
    ensureTokenScope(socket, sessionId);
    return resumeAi(gw.ctx, socket.data.userId, sessionId, messageId, afterSeq);
  },
);
