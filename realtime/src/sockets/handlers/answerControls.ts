import { presentMessage } from "@engunity/db";
import {
  continuePayloadSchema,
  editPayloadSchema,
  regeneratePayloadSchema,
  versionsPayloadSchema,
} from "@engunity/shared";
import { publish } from "../../announce";
import {
  continueAnswer,
  editMessage,
  messageVersions,
  regenerateAnswer,
} from "../../commands/answerControls";
import { onAckEvent } from "../ackHandler";
import { ensureNotWidget, ensureTokenScope } from "../sessionAccess";
import type { SocketHandler } from "../types";

/** `ai:regenerate`: a new version of an answer, streamed to the room. */
export const aiRegenerate: SocketHandler = {
  event: "ai:regenerate",
  register(gw, socket) {
    onAckEvent(gw, socket, "ai:regenerate", regeneratePayloadSchema, async (p) => {
      ensureTokenScope(socket, p.sessionId);
      ensureNotWidget(socket);
      const { message, events } = await regenerateAnswer(
        gw.ctx,
        socket.data.userId,
        p.sessionId,
        p.messageId,
        { provider: p.provider, model: p.model },
      );
      await publish(gw.ctx, events);
      return { message: presentMessage(message) };
    });
  },
};

/** `ai:continue`: an answer that stopped goes on from its text. */
export const aiContinue: SocketHandler = {
  event: "ai:continue",
  register(gw, socket) {
    onAckEvent(gw, socket, "ai:continue", continuePayloadSchema, async (p) => {
      ensureTokenScope(socket, p.sessionId);
      ensureNotWidget(socket);
      const { message, events } = await continueAnswer(
        gw.ctx,
        socket.data.userId,
        p.sessionId,
        p.messageId,
      );
      await publish(gw.ctx, events);
      return { message: presentMessage(message) };
    });
  },
};

/** `message:edit`: one's own message changed and answered again. */
export const messageEdit: SocketHandler = {
  event: "message:edit",
  register(gw, socket) {
    onAckEvent(gw, socket, "message:edit", editPayloadSchema, async (p) => {
      ensureTokenScope(socket, p.sessionId);
      ensureNotWidget(socket);
      const { message, assistantMessage, events } = await editMessage(
        gw.ctx,
        socket.data.userId,
        p.sessionId,
        p.messageId,
        p.content,
      );
      await publish(gw.ctx, events);
      return {
        message: presentMessage(message),
        ...(assistantMessage ? { assistantMessage: presentMessage(assistantMessage) } : {}),
      };
    });
  },
};

/** `message:versions`: a message's earlier versions, for browsing. */
export const messageVersionsHandler: SocketHandler = {
  event: "message:versions",
  register(gw, socket) {
    onAckEvent(gw, socket, "message:versions", versionsPayloadSchema, async (p) => {
      ensureTokenScope(socket, p.sessionId);
      return messageVersions(gw.ctx, socket.data.userId, p.sessionId, p.messageId);
    });
  },
};
