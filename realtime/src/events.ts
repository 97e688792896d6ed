import type { ChatMessage, ChatSession, Document } from "@engunity/db";
import type { MembershipNotice, Role } from "@engunity/shared";
import type { AnswerRevision } from "./commands/askAi";

/**
 * What a command did, as data (Outline's events): commands return these, and the
 * transport that ran the command hands them to `publish` once the command returned —
 * after its commit — so no command announces, and REST and sockets announce alike.
 */
export type DomainEvent =
  /** A message was stored: every member's room gets `message:new`. */
  | { type: "message.created"; message: ChatMessage }
  /** A message changed (edited, or an answer revised to stream again): `message:updated`. */
  | { type: "message.updated"; message: ChatMessage }
  /** An assistant placeholder was stored (or found streaming on a replay): a worker answers it. */
  | {
      type: "answer.requested";
      userMessage: ChatMessage;
      assistant: ChatMessage;
      pref: { provider?: string; model?: string; usageKeys?: string[] };
      /** A revised answer: who asked (their quota pays), and whether it continues. */
      revision?: AnswerRevision;
    }
  /** Someone stopped a streaming answer: the worker running it, on any node, stops. */
  | { type: "answer.stopRequested"; messageId: string; by: { id: string; name: string } }
  /** A document was stored as `processing`: its ingest is queued, the room sees progress 0. */
  | { type: "document.uploaded"; document: Document }
  /** A document's row went: every worker's index drops it (a running ingest stops), the room is told. */
  | { type: "document.deleted"; sessionId: string; documentId: string }
  /**
   * A session's row changed (rename, settings, a mirrored doc title): its room and watch
   * room get `session:updated`. `role` is the writer's (clients keep their own).
   */
  | { type: "session.updated"; session: ChatSession; role: Role }
  /** A session went: its room gets `session:deleted`, and every connection to it is cut. */
  | { type: "session.deleted"; sessionId: string }
  /** Who is in a session changed: the room gets the first page of members (`member:updated`). */
  | { type: "members.updated"; sessionId: string }
  /** One person is told, on their personal channel, what became of their membership. */
  | { type: "membership.changed"; userId: string; notice: MembershipNotice }
  /** A person became a member: their sockets, on every node, watch the session's activity. */
  | { type: "member.joined"; sessionId: string; userId: string }
  /** A person stopped being a member: their sockets and Yjs connections to it are cut. */
  | { type: "member.removed"; sessionId: string; userId: string }
  /** A member's role changed: their open Yjs connections follow it at once, on every node. */
  | { type: "member.roleChanged"; sessionId: string; userId: string; role: Role }
  /** A person's own row changed (their name): what nodes cached of them is dropped. */
  | { type: "user.updated"; userId: string };

/** What a command returns: its answer to the caller, and the events for `publish`. */
export interface Outcome<T> {
  result: T;
  events: DomainEvent[];
}
// No "draft sent" event: the server never clears the shared draft. The sender's
// client deletes exactly the text it sent, so keys typed after it survive.
