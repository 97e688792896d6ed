import {
  createWidgetKeyBodySchema,
  createWidgetTokenBodySchema,
  sessionSchema,
  widgetEmbedConfigSchema,
  widgetKeySchema,
  widgetSessionGroupSchema,
  widgetTokenSchema,
} from "@engunity/shared";
import { z } from "zod";
import type { ApiRoute } from "./route";

/** The embeddable widget: keys, tokens, its sessions and embed config. */
export const WIDGET_ROUTES: readonly ApiRoute[] = [
  {
    method: "post",
    path: "/widget/keys",
    summary: "Create a widget key (owner of the session, or an admin); the secret is shown once",
    body: createWidgetKeyBodySchema,
    status: 201,
    response: z.object({ key: z.string(), widgetKey: widgetKeySchema }),
  },
  {
    method: "get",
    path: "/widget/keys",
    summary: "The widget keys the caller may manage",
    response: z.object({ keys: z.array(widgetKeySchema) }),
  },
  {
    method: "post",
    path: "/widget/keys/:id/rotate",
    summary: "A new secret for the key; the old one stops working",
    response: z.object({ key: z.string(), widgetKey: widgetKeySchema }),
  },
  {
    method: "post",
    path: "/widget/keys/:id/revoke",
    summary: "Revoke the key; its live widgets are disconnected",
    response: z.object({ widgetKey: widgetKeySchema }),
  },
  {
    method: "post",
    path: "/widget/tokens",
    summary: "Server to server: trade X-Widget-Key for a visitor's token for one session",
    auth: false,
    body: createWidgetTokenBodySchema,
    status: 201,
    response: widgetTokenSchema,
  },
  {
    method: "get",
    path: "/widget/sessions",
    summary: "Widget conversations of the caller's keys, grouped per key",
    response: z.object({ groups: z.array(widgetSessionGroupSchema) }),
  },
  {
    method: "post",
    path: "/widget/keys/:id/sessions/:sessionId/join",
    summary: "Join a visitor's conversation as editor (a manager of the key)",
    response: sessionSchema,
  },
  {
    method: "get",
    path: "/widget/embed/:id",
    summary: "Public config of the embed page (404 once the key is revoked)",
    auth: false,
    response: widgetEmbedConfigSchema,
  },
];
