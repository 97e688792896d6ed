import type { ChatMessage, Document } from "@engunity/db";
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
  | { type: "document.deleted"; sessionId: string; documentId: string };
// No "draft sent" event: the server never clears the shared draft. The sender's
// client deletes exactly the text it sent, so keys typed after it survive.
