import { authorize } from "@engunity/core";
import { type ChatMessage, type ChatSession, createMessages, createSession } from "@engunity/db";
import { titleFromContent } from "@engunity/shared";
import { announce } from "../announce";
import type { AppContext } from "../context";
import { admitAi, asksAi, enqueueAnswer } from "./askAi";

export interface SendInput {
  userId: string;
  /** Absent: a new session is created, titled after the message. */
  sessionId?: string;
  content: string;
  clientId?: string;
  ai?: boolean;
  provider?: string;
  model?: string;
}

export interface SendResult {
  session: ChatSession;
  message: ChatMessage;
  /** False when the clientId was seen before: nothing new was stored or announced. */
  created: boolean;
  /** The assistant placeholder (`streaming`) when the AI was asked. */
  assistantMessage?: ChatMessage;
}

/**
 * Sends a member's message: authorizes, rate-limits, stores it (idempotent on
 * clientId), and announces `message:new` once the commit is done. REST and sockets both
 * come through here.
 */
export async function sendMessage(ctx: AppContext, input: SendInput): Promise<SendResult> {
  await ctx.limiters.messages.consume(input.userId);
  let sessionId = input.sessionId;
  if (!sessionId) {
    const created = await createSession(ctx.db, input.userId, titleFromContent(input.content));
    sessionId = created.id;
  } else {
    await authorize(ctx.db, input.userId, sessionId, "write");
  }
  const sessionRow = await ctx.db.models.ChatSession.findByPk(sessionId);
  const withAi = sessionRow ? await asksAi(ctx, sessionRow, input.content, input.ai) : false;
  if (withAi) await admitAi(ctx, input.userId, sessionId, input.clientId);
  // The placeholder is stored in the same transaction as the question, linked to it.
  const { messages, created } = await createMessages(ctx.db, [
    {
      sessionId,
      authorId: input.userId,
      role: "user",
      content: input.content,
      clientId: input.clientId ?? null,
    },
    ...(withAi
      ? [
          {
            sessionId,
            authorId: null,
            role: "assistant" as const,
            content: "",
            status: "streaming" as const,
          },
        ]
      : []),
  ]);
  const message = messages[0]!;
  const assistantMessage = messages[1];
  if (created) announce.messageNew(ctx, message);
  if (created && assistantMessage) announce.messageNew(ctx, assistantMessage);
  // Enqueued after commit; a replay re-enqueues an unfinished answer (same job id, so
  // never twice) in case the first enqueue was lost.
  if (assistantMessage?.status === "streaming") {
    await enqueueAnswer(ctx, message, assistantMessage, {
      provider: input.provider,
      model: input.model,
    });
  }
  const session = await ctx.db.models.ChatSession.findByPk(sessionId);
  if (!session) throw new Error("session vanished after send");
  return { session, message, created, assistantMessage };
}
