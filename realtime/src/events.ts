import type { ChatMessage } from "@engunity/db";

/**
 * What a command did, as data (Outline's events): commands return these, and the
 * transport that ran the command hands them to `publish` once the command returned —
 * after its commit — so no command announces, and REST and sockets announce alike.
 */
export type DomainEvent =
  /** A message was stored: every member's room gets `message:new`. */
  | { type: "message.created"; message: ChatMessage }
  /** An assistant placeholder was stored (or found streaming on a replay): a worker answers it. */
  | {
      type: "answer.requested";
      userMessage: ChatMessage;
      assistant: ChatMessage;
      pref: { provider?: string; model?: string; usageKeys?: string[] };
    };
// No "draft sent" event: the server never clears the shared draft. The sender's
// client deletes exactly the text it sent, so keys typed after it survive.
