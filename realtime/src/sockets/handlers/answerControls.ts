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
import { ackHandler } from "../ackHandler";
import { ensureNotWidget, ensureTokenScope } from "../sessionAccess";
import type { GatewaySocket } from "../types";

/** Who revises: the socket's user, in its token's session, and not a widget visitor. */
function reviser(socket: GatewaySocket, sessionId: string): string {
  ensureTokenScope(socket, sessionId);
  ensureNotWidget(socket);
  return socket.data.userId;
}

/** `ai:regenerate`: a new version of an answer, streamed to the room. */
export const aiRegenerate = ackHandler(
  "ai:regenerate",
  regeneratePayloadSchema,
  async (gw, socket, p) => {
    const userId = reviser(socket, p.sessionId);
    const pref = { provider: p.provider, model: p.model };
    const out = await regenerateAnswer(gw.ctx, userId, p.sessionId, p.messageId, pref);
    await publish(gw.ctx, out.events);
    return { message: presentMessage(out.message) };
  },
);

/** `ai:continue`: an answer that stopped goes on from its text. */
export const aiContinue = ackHandler(
  "ai:continue",
  continuePayloadSchema,
  async (gw, socket, p) => {
    const userId = reviser(socket, p.sessionId);
    const out = await continueAnswer(gw.ctx, userId, p.sessionId, p.messageId);
    await publish(gw.ctx, out.events);
    return { message: presentMessage(out.message) };
  },
);

/** `message:edit`: one's own message changed and answered again. */
export const messageEdit = ackHandler("message:edit", editPayloadSchema, async (gw, socket, p) => {
  const userId = reviser(socket, p.sessionId);
  const { message, assistantMessage, events } = await editMessage(
    gw.ctx,
    userId,
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

/** `message:versions`: a message's earlier versions, for browsing. */
export const messageVersionsHandler = ackHandler(
  "message:versions",
  versionsPayloadSchema,
  async (gw, socket, p) => {
    ensureTokenScope(socket, p.sessionId);
    return messageVersions(gw.ctx, socket.data.userId, p.sessionId, p.messageId);
  },
);
