import { presentMessage } from "@engunity/db";
import { sendPayloadSchema } from "@engunity/shared";
import { publish } from "../../announce";
import { sendMessage } from "../../commands/sendMessage";
import { widgetSendOptions } from "../../widget/widgetSend";
import { ackHandler } from "../ackHandler";
import { ensureTokenScope } from "../sessionAccess";
import { setTyping } from "../typingState";

/**
 * `message:send`: the send command authorizes, rate-limits and stores (idempotent on
 * `clientId`); its events are published (`message:new`, the answer job) before the ack,
 * so an acked message is always in the database and its answer queued.
 */
export const messageSend = ackHandler(
  "message:send",
  sendPayloadSchema,
  async (gw, socket, payload) => {
    ensureTokenScope(socket, payload.sessionId);
    const widget = socket.data.widgetKeyId ? await widgetSendOptions(gw.ctx, socket.data) : {};
    const { message, assistantMessage, events } = await sendMessage(gw.ctx, {
      ...payload,
      ...widget,
      userId: socket.data.userId,
    });
    await publish(gw.ctx, events);
    setTyping(gw, socket, payload.sessionId, false);
    return {
      message: presentMessage(message),
      ...(assistantMessage ? { assistantMessageId: assistantMessage.id } : {}),
    };
  },
);
