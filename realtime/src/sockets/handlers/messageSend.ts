import { presentMessage } from "@engunity/db";
import { sendPayloadSchema } from "@engunity/shared";
import { sendMessage } from "../../commands/sendMessage";
import { widgetSendOptions } from "../../widget/widgetSend";
import { onAckEvent } from "../ackHandler";
import { ensureTokenScope } from "../sessionAccess";
import type { SocketHandler } from "../types";
import { setTyping } from "../typingState";

/**
 * `message:send`: the send command authorizes, rate-limits, stores (idempotent on
 * `clientId`) and announces `message:new` after commit; the ack follows it, so an
 * acked message is always in the database.
 */
export const messageSend: SocketHandler = {
  event: "message:send",
  register(gw, socket) {
    onAckEvent(gw, socket, "message:send", sendPayloadSchema, async (payload) => {
      ensureTokenScope(socket, payload.sessionId);
      const widget = socket.data.widgetKeyId ? await widgetSendOptions(gw.ctx, socket.data) : {};
      const { message, assistantMessage } = await sendMessage(gw.ctx, {
        ...payload,
        ...widget,
        userId: socket.data.userId,
      });
      setTyping(gw, socket, payload.sessionId, false);
      return {
        message: presentMessage(message),
        ...(assistantMessage ? { assistantMessageId: assistantMessage.id } : {}),
      };
    });
  },
};
