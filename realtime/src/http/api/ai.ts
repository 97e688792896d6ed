import {
  editPayloadSchema,
  messageSchema,
  messageVersionSchema,
  providerListingSchema,
  regeneratePayloadSchema,
  sessionUsageSchema,
  stopPayloadSchema,
} from "@engunity/shared";
import { z } from "zod";
import { type ApiRoute, ok } from "./route";

/** AI answers: stop, regenerate, continue, edit, versions, providers, usage. */
export const AI_ROUTES: readonly ApiRoute[] = [
  {
    method: "post",
    path: "/chat/:id/stop",
    summary: "Stop a generation (editor+)",
    body: stopPayloadSchema.pick({ messageId: true }),
    response: ok,
  },
  {
    method: "get",
    path: "/providers",
    summary: "The provider catalog: models (from each provider), health, default, order",
    response: providerListingSchema,
  },
  {
    method: "post",
    path: "/chat/:id/messages/:messageId/regenerate",
    summary: "A new version of an answer, streamed to the room (editor+)",
    body: regeneratePayloadSchema.pick({ provider: true, model: true }),
    status: 202,
    response: z.object({ message: messageSchema }),
  },
  {
    method: "post",
    path: "/chat/:id/messages/:messageId/continue",
    summary: "Continue an answer that stopped, from its text (editor+)",
    status: 202,
    response: z.object({ message: messageSchema }),
  },
  {
    method: "patch",
    path: "/chat/:id/messages/:messageId",
    summary: "Edit one's own sent message; its answer is generated again",
    body: editPayloadSchema.pick({ content: true }),
    response: z.object({ message: messageSchema, assistantMessage: messageSchema.optional() }),
  },
  {
    method: "get",
    path: "/chat/:id/messages/:messageId/versions",
    summary: "A message's earlier versions, oldest first",
    response: z.object({ message: messageSchema, versions: z.array(messageVersionSchema) }),
  },
  {
    method: "get",
    path: "/chat/:id/usage",
    summary: "Tokens of the session's AI answers, by who asked and by model (any member)",
    response: sessionUsageSchema,
  },
];
