import {
  addMemberBodySchema,
  createInviteBodySchema,
  createSessionBodySchema,
  exportQuerySchema,
  historyQuerySchema,
  inviteLinkSchema,
  inviteSchema,
  markReadBodySchema,
  messageSchema,
  patchMemberBodySchema,
  patchSessionBodySchema,
  readStateSchema,
  searchHitSchema,
  searchQuerySchema,
  sendMessageBodySchema,
  sessionDetailSchema,
  sessionListItemSchema,
  sessionSchema,
} from "@engunity/shared";
import { z } from "zod";
import { type ApiRoute, memberChange, members } from "./route";

/** Chat sessions: listing, messages, members, invites, read state, export, search, Yjs tickets. */
export const SESSION_ROUTES: readonly ApiRoute[] = [
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
];
