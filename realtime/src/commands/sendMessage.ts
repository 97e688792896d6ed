import { authorizeAccess, type SessionAccess } from "@engunity/core";
import {
  type ChatMessage,
  type ChatSession,
  createMessages,
  createSession,
  findReplay,
} from "@engunity/db";
import { type Role, titleFromContent } from "@engunity/shared";
import type { AppContext } from "../context";
import type { DomainEvent } from "../events";
import { type AnswerPreference, admitAi, asksAi } from "./askAi";

export interface SendInput {
  userId: string;
  /** Absent: a new session is created, titled after the message. */
  sessionId?: string;
  content: string;
  clientId?: string;
  ai?: boolean;
  provider?: string;
  model?: string;
  /** Extra daily counters the answer's tokens count against (a widget key's). */
  usageKeys?: string[];
  /** Runs before the AI is asked; may refuse (a widget key's AI-token cap). */
  beforeAi?: () => Promise<void>;
}

export interface SendResult {
  session: ChatSession;
  /** The sender's role in the session. */
  role: Role;
  message: ChatMessage;
  /** False when the clientId was seen before: nothing new was stored. */
  created: boolean;
  /** The assistant placeholder (`streaming`) when the AI was asked. */
  assistantMessage?: ChatMessage;
  /** What happened, for the transport to publish after this returns (`publish`). */
  events: DomainEvent[];
}

/**
 * Sends a member's message, in one direction: rate limit → authorize once (membership,
 * session and author in one read) → AI admission → one INSERT that meets the
 * `(session_id, client_id)` index (a retried `clientId` answers from what was stored,
 * and is never refused by admission) → the events to publish. Writes only; REST and sockets both come through here and publish the events.
 */
export async function sendMessage(ctx: AppContext, input: SendInput): Promise<SendResult> {
  await ctx.limiters.messages.consume(input.userId);
  const access = input.sessionId
    ? await authorizeAccess(ctx.db, input.userId, input.sessionId, "write")
    : await newSessionAccess(ctx, input);
  const { session, member, user } = access;
  const pref: AnswerPreference = {
    provider: input.provider,
    model: input.model,
    ...(input.usageKeys?.length ? { usageKeys: input.usageKeys } : {}),
  };

  const withAi = await asksAi(ctx, session, input.content, input.ai);
  if (withAi) {
    try {
      await admitAi(ctx, input.userId, member.role);
      await input.beforeAi?.();
    } catch (err) {
      // A retry of a send stored before is answered from what was stored, never refused
      // by admission; only a refused send pays for this read.
      const replay =
        input.clientId && input.sessionId
          ? await findReplay(ctx.db, session.id, input.clientId)
          : null;
      if (replay) return replayed(session, member.role, replay, pref);
      throw err;
    }
  }
  // The placeholder is stored in the same transaction as the question, linked to it.
  const { messages, created } = await createMessages(
    ctx.db,
    [
      {
        sessionId: session.id,
        authorId: input.userId,
        role: "user",
        content: input.content,
        clientId: input.clientId ?? null,
      },
      ...(withAi
        ? [
            {
              sessionId: session.id,
              authorId: null,
              role: "assistant" as const,
              content: "",
              status: "streaming" as const,
            },
          ]
        : []),
    ],
    { author: user },
  );
  if (!created) return replayed(session, member.role, messages, pref);
  const [message, assistantMessage] = messages as [ChatMessage, ChatMessage?];
  // The session row as the transaction left it, without reading it back.
  session.set(
    { messageCount: session.messageCount + messages.length, activityAt: message.createdAt },
    { raw: true },
  );
  const events: DomainEvent[] = messages.map((m) => ({ type: "message.created", message: m }));
  if (assistantMessage) {
    events.push({
      type: "answer.requested",
      userMessage: message,
      assistant: assistantMessage,
      pref,
    });
  }
  return { session, role: member.role, message, created, assistantMessage, events };
}

/** A send without a session starts one, owned by the sender. */
async function newSessionAccess(ctx: AppContext, input: SendInput): Promise<SessionAccess> {
  const session = await createSession(ctx.db, input.userId, titleFromContent(input.content));
  return authorizeAccess(ctx.db, input.userId, session.id, "write");
}

/**
 * A send whose `clientId` was stored before (its ack was lost): nothing new is stored
 * or announced; an answer still streaming is asked for again (same job id, so never
 * twice) in case the first enqueue was lost.
 */
function replayed(
  session: ChatSession,
  role: Role,
  rows: ChatMessage[],
  pref: AnswerPreference,
): SendResult {
  const [message, assistantMessage] = rows as [ChatMessage, ChatMessage?];
  const events: DomainEvent[] =
    assistantMessage?.status === "streaming"
      ? [{ type: "answer.requested", userMessage: message, assistant: assistantMessage, pref }]
      : [];
  return { session, role, message, created: false, assistantMessage, events };
}
