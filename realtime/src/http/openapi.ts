import {
  addMemberBodySchema,
  adminUserSchema,
  adminUsersQuerySchema,
  adminUsersResponseSchema,
  analyticsQuerySchema,
  analyticsResponseSchema,
  authResponseSchema,
  changePasswordBodySchema,
  createInviteBodySchema,
  createSessionBodySchema,
  createWidgetKeyBodySchema,
  createWidgetTokenBodySchema,
  deleteAccountBodySchema,
  documentSchema,
  editPayloadSchema,
  errorBodySchema,
  exportQuerySchema,
  healthResponseSchema,
  historyQuerySchema,
  invitationSchema,
  inviteLinkSchema,
  inviteSchema,
  livenessResponseSchema,
  loginBodySchema,
  loginSessionSchema,
  markReadBodySchema,
  memberSchema,
  meSchema,
  messageSchema,
  messageVersionSchema,
  patchAdminUserBodySchema,
  patchMeBodySchema,
  patchMemberBodySchema,
  patchSessionBodySchema,
  providerListingSchema,
  readinessResponseSchema,
  readStateSchema,
  refreshBodySchema,
  refreshResponseSchema,
  regeneratePayloadSchema,
  registerBodySchema,
  searchHitSchema,
  searchQuerySchema,
  selfSchema,
  sendMessageBodySchema,
  sessionDetailSchema,
  sessionListItemSchema,
  sessionSchema,
  sessionUsageSchema,
  stopPayloadSchema,
  widgetEmbedConfigSchema,
  widgetKeySchema,
  widgetSessionGroupSchema,
  widgetTokenSchema,
} from "@engunity/shared";
import { type ZodType, z } from "zod";

/** One REST route of the public contract (docs/PROTOCOL.md "REST"). */
export interface ApiRoute {
  method: "get" | "post" | "patch" | "delete";
  /** Under `/api/v1`, Express style (`/chat/:id`). */
  path: string;
  summary: string;
  /** False for the routes that need no bearer token. */
  auth?: boolean;
  body?: ZodType;
  query?: z.ZodObject;
  /** The success status and its body (none for 204). */
  status?: number;
  response?: ZodType;
}

const ok = z.object({ ok: z.literal(true) });
const members = z.object({ members: z.array(memberSchema) });
const memberChange = z.object({ member: memberSchema.optional(), members: z.array(memberSchema) });

/**
 * The REST routes this server answers, with the zod schemas of `shared/` that validate
 * them. `GET /api/v1/openapi.json` is generated from this table, and a test checks the
 * table against the routes Express really serves, both ways.
 */
export const API_ROUTES: readonly ApiRoute[] = [
  {
    method: "get",
    path: "/health",
    summary: "Database and Redis reachability (503 names what is down), and the vector index",
    auth: false,
    response: healthResponseSchema,
  },
  {
    method: "get",
    path: "/health/ready",
    summary: "Readiness: as /health, and 503 `draining` once the node shuts down",
    auth: false,
    response: readinessResponseSchema,
  },
  {
    method: "get",
    path: "/health/live",
    summary: "Liveness: 200 while the process answers",
    auth: false,
    response: livenessResponseSchema,
  },
  { method: "get", path: "/openapi.json", summary: "This document", auth: false },
  {
    method: "post",
    path: "/auth/register",
    summary: "Create an account",
    auth: false,
    body: registerBodySchema,
    status: 201,
    response: authResponseSchema,
  },
  {
    method: "post",
    path: "/auth/login",
    summary: "Sign in with username or email",
    auth: false,
    body: loginBodySchema,
    response: authResponseSchema,
  },
  {
    method: "post",
    path: "/auth/refresh",
    summary: "Renew the access token with the refresh token (rotated; reuse ends the login)",
    auth: false,
    body: refreshBodySchema,
    response: refreshResponseSchema,
  },
  {
    method: "get",
    path: "/auth/me",
    summary: "The signed-in user (with email), with whether they are an admin",
    response: meSchema,
  },
  {
    method: "patch",
    path: "/auth/me",
    summary: "Change one's name or consent setting",
    body: patchMeBodySchema,
    response: selfSchema,
  },
  {
    method: "delete",
    path: "/auth/me",
    summary: "Delete the account (password again); owned sessions go, messages stay anonymised",
    body: deleteAccountBodySchema,
    status: 204,
  },
  { method: "post", path: "/auth/logout", summary: "End this login session", status: 204 },
  {
    method: "post",
    path: "/auth/logout-all",
    summary: "End every login session of the caller",
    status: 204,
  },
  {
    method: "get",
    path: "/auth/sessions",
    summary: "The caller's live login sessions",
    response: z.object({ sessions: z.array(loginSessionSchema) }),
  },
  {
    method: "delete",
    path: "/auth/sessions/:id",
    summary: "End one login session (its connections are cut)",
    status: 204,
  },
  {
    method: "post",
    path: "/auth/password",
    summary: "Change the password; every other login session ends",
    body: changePasswordBodySchema,
    status: 204,
  },
  {
    method: "get",
    path: "/invitations",
    summary: "Adds waiting for the caller's consent",
    response: z.object({ invitations: z.array(invitationSchema) }),
  },
  {
    method: "post",
    path: "/invitations/:id/accept",
    summary: "Accept a pending invitation",
    response: z.object({ session: sessionSchema }),
  },
  {
    method: "post",
    path: "/invitations/:id/decline",
    summary: "Decline a pending invitation",
    status: 204,
  },
  { method: "post", path: "/users/:id/block", summary: "Block a person's adds", status: 204 },
  { method: "delete", path: "/users/:id/block", summary: "Unblock a person", status: 204 },
  {
    method: "get",
    path: "/chat/:id/invites",
    summary: "The session's live invite links (owner)",
    response: z.object({ invites: z.array(inviteLinkSchema) }),
  },
  {
    method: "delete",
    path: "/chat/:id/invites/:inviteId",
    summary: "Revoke an invite link (owner)",
    status: 204,
  },
  {
    method: "get",
    path: "/chat/",
    summary: "The caller's sessions, newest activity first",
    response: z.object({ sessions: z.array(sessionListItemSchema) }),
  },
  {
    method: "post",
    path: "/chat/read-all",
    summary: "Mark every session of the caller read up to its newest message",
    response: z.object({ sessions: z.array(readStateSchema) }),
  },
  {
    method: "post",
    path: "/chat/:id/read",
    summary:
      "Mark a session read up to a message (default: its newest); read state only moves forward",
    body: markReadBodySchema,
    response: readStateSchema,
  },
  {
    method: "post",
    path: "/chat/sessions",
    summary: "Create a session (caller is owner)",
    body: createSessionBodySchema,
    status: 201,
    response: sessionSchema,
  },
  {
    method: "post",
    path: "/chat/",
    summary:
      "Send a message (creates a session without sessionId); `Accept: text/event-stream` streams the answer as SSE",
    body: sendMessageBodySchema,
    response: z.object({
      session: sessionSchema,
      userMessage: messageSchema,
      assistantMessage: messageSchema.nullable(),
    }),
  },
  {
    method: "get",
    path: "/chat/:id",
    summary:
      "A session with its history, oldest first (`before` pages back, `after` forward, `around` opens a window at a message); the newest page marks it read",
    query: historyQuerySchema,
    response: sessionDetailSchema,
  },
  {
    method: "patch",
    path: "/chat/:id",
    summary: "Rename or change settings (editor+)",
    body: patchSessionBodySchema,
    response: sessionSchema,
  },
  { method: "delete", path: "/chat/:id", summary: "Delete the session (owner)", status: 204 },
  {
    method: "post",
    path: "/chat/:id/stop",
    summary: "Stop a generation (editor+)",
    body: stopPayloadSchema.pick({ messageId: true }),
    response: ok,
  },
  {
    method: "get",
    path: "/chat/:id/members",
    summary: "Members with their online flag",
    response: members,
  },
  {
    method: "post",
    path: "/chat/:id/members",
    summary: "Add a member by username or email (owner)",
    body: addMemberBodySchema,
    status: 201,
    response: memberChange,
  },
  {
    method: "patch",
    path: "/chat/:id/members/:userId",
    summary: "Change a member's role (owner)",
    body: patchMemberBodySchema,
    response: memberChange,
  },
  {
    method: "delete",
    path: "/chat/:id/members/:userId",
    summary: "Remove a member (owner; anyone may remove themself)",
    status: 204,
  },
  {
    method: "post",
    path: "/chat/:id/invites",
    summary: "Create an invite link (owner)",
    body: createInviteBodySchema,
    status: 201,
    response: inviteSchema,
  },
  { method: "post", path: "/invites/:token/accept", summary: "Accept an invite link" },
  {
    method: "get",
    path: "/chat/:id/export",
    summary: "The whole session as Markdown or JSON",
    query: exportQuerySchema,
  },
  {
    method: "post",
    path: "/chat/:id/documents",
    summary:
      "Upload a document (multipart/form-data, field `file`; editor+); 202, ingest runs in the background",
    status: 202,
    response: documentSchema,
  },
  {
    method: "get",
    path: "/chat/:id/documents",
    summary: "The session's documents, oldest first",
    response: z.object({ documents: z.array(documentSchema) }),
  },
  {
    method: "get",
    path: "/documents/:id/download",
    summary: "A document's bytes as an attachment (nosniff)",
  },
  {
    method: "delete",
    path: "/documents/:id",
    summary: "Delete a document everywhere; cancels its ingest (editor+)",
    status: 204,
  },
  {
    method: "post",
    path: "/chat/:id/yjs-ticket",
    summary: "A single-use ticket for the Yjs connection",
    response: z.object({ ticket: z.string() }),
  },
  {
    method: "get",
    path: "/search",
    summary:
      "Full-text search of the caller's sessions (or one, `sessionId`), best first, with highlighted snippets",
    query: searchQuerySchema,
    response: z.object({ hits: z.array(searchHitSchema) }),
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
  {
    method: "get",
    path: "/chat/:id/usage",
    summary: "Tokens of the session's AI answers, by who asked and by model (any member)",
    response: sessionUsageSchema,
  },
  {
    method: "get",
    path: "/admin/users",
    summary: "Accounts with activity and token counts (admins only; 404 to anyone else)",
    query: adminUsersQuerySchema,
    response: adminUsersResponseSchema,
  },
  {
    method: "patch",
    path: "/admin/users/:id",
    summary: "Deactivate, reactivate, promote, demote, reset the quota (admins only)",
    body: patchAdminUserBodySchema,
    response: adminUserSchema,
  },
  {
    method: "get",
    path: "/admin/analytics",
    summary: "Usage analytics over a range (admins only)",
    query: analyticsQuerySchema,
    response: analyticsResponseSchema,
  },
];

/** `/chat/:id/members/:userId` → `/chat/{id}/members/{userId}` */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, "{$1}");
}

const jsonSchema = (schema: ZodType) =>
  z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" });

/** The OpenAPI 3.1 document of `API_ROUTES`. */
export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of API_ROUTES) {
    const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const query = route.query
      ? Object.entries(route.query.shape).map(([name, schema]) => ({
          name,
          in: "query",
          required: !(schema as ZodType).safeParse(undefined).success,
          schema: jsonSchema(schema as ZodType),
        }))
      : [];
    const status = String(route.status ?? 200);
    paths[openApiPath(route.path)] ??= {};
    paths[openApiPath(route.path)]![route.method] = {
      summary: route.summary,
      ...(route.auth === false ? { security: [] } : {}),
      ...(params.length || query.length ? { parameters: [...params, ...query] } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: jsonSchema(route.body) } },
            },
          }
        : {}),
      responses: {
        [status]: {
          description: status === "204" ? "No content" : "Success",
          ...(route.response
            ? { content: { "application/json": { schema: jsonSchema(route.response) } } }
            : {}),
        },
        default: {
          description: "An error in the contract's shape",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Engunity REST API",
      version,
      description:
        "The REST half of docs/PROTOCOL.md; Socket.IO events and Yjs are documented there.",
    },
    servers: [{ url: "/api/v1" }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      schemas: { Error: jsonSchema(errorBodySchema) },
    },
    paths,
  };
}
