import { authorizeAccess, can, forbidden, type SessionAccess } from "@engunity/core";
import {
  type ChatMessage,
  type ChatSession,
  createMessages,
  createSession,
  findReplay,
  type NewMessage,
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

/** The roles the send's INSERT itself requires of the sender's membership. */
const WRITERS = (["owner", "editor", "viewer"] as const).filter((r) => can(r, "write"));

/**
 * Sends a member's message, in one direction: rate limit and authorize at once
 * (`limitThen`: the membership, session and author, cached per node: `ctx.access`,
 * read while the limit is spent; a refusal by the limit wins) → AI admission → one INSERT that
 * checks the membership itself and meets the `(session_id, author_id, client_id)` index (a retried
 * `clientId` answers from what was stored, and is never refused by admission) → the
 * events to publish. Writes only; REST and sockets both come through here and publish
 * the events.
 *
 * The cache never decides trust: the INSERT goes in only if the sender, as that
 * statement sees it, may write (an active account, a member who may write), so a
 * member removed, made a viewer or deactivated on any node is refused at once. Such a refusal forgets the entry and reads again: the caller gets
 * `authorizeAccess`'s own refusal (or, if the membership came back meanwhile, the send).
 */
export async function sendMessage(ctx: AppContext, input: SendInput): Promise<SendResult> {
  const { sessionId } = input;
  let access: SessionAccess;
  if (sessionId) {
    access = await limitThen(ctx, input.userId, () =>
      ctx.access.authorize(input.userId, sessionId, "write"),
    );
  } else {
    // Creating the session is a write: only once the limit let the send through.
    await ctx.limiters.messages.consume(input.userId);
    access = await newSessionAccess(ctx, input);
  }
  const { session, member } = access;
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
      // by admission; only a refused send pays for these reads (the membership fresh:
      // a replay must not outlive a removal the cache has not heard of yet).
      const replay =
        input.clientId && input.sessionId
          ? await findReplay(ctx.db, session.id, input.userId, input.clientId)
          : null;
      if (replay) {
        const fresh = await authorizeAccess(ctx.db, input.userId, session.id, "write");
        return replayed(fresh.session, fresh.member.role, replay, pref);
      }
      throw err;
    }
  }
  // The placeholder is stored in the same transaction as the question, linked to it.
  const rows: [NewMessage, ...NewMessage[]] = [
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
  ];
  const writer = { userId: input.userId, roles: WRITERS };
  let stored = await createMessages(ctx.db, rows, { author: access.user, writer });
  if (stored.refused) {
    // What this node held was stale: read again (throws the refusal), try once more.
    ctx.access.forget({ userId: input.userId, sessionId: session.id });
    access = await authorizeAccess(ctx.db, input.userId, session.id, "write");
    stored = await createMessages(ctx.db, rows, { author: access.user, writer });
    if (stored.refused) throw forbidden("You may not send messages here");
  }
  const role = access.member.role;
  if (!stored.created) return replayed(access.session, role, stored.messages, pref);
  const { messages } = stored;
  const [message, assistantMessage] = messages as [ChatMessage, ChatMessage?];
  // The session row as the transaction left it, without reading it back; a copy, since
  // the cached one is shared.
  const counted = stored.session;
  const sessionNow = ctx.db.models.ChatSession.build(
    {
      ...access.session.get(),
      messageCount: counted?.messageCount ?? access.session.messageCount + messages.length,
      activityAt: message.createdAt,
      updatedAt: message.createdAt,
    },
    { isNewRecord: false, raw: true },
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
  return { session: sessionNow, role, message, created: true, assistantMessage, events };
}

/**
 * Spends the sender's message rate limit (a Redis round trip) while `read` runs (the
 * membership, from the node's cache or one read): neither waits for the other, and the
 * outcome is as if the limit came first — a rate-limited send is refused as
 * `rate_limited` whatever the read found, and nothing is written before both are done.
 * A read for a send the limit refuses is wasted, and only a read: it writes nothing.
 */
export async function limitThen<T>(
  ctx: Pick<AppContext, "limiters">,
  userId: string,
  read: () => Promise<T>,
): Promise<T> {
  const spent = ctx.limiters.messages.consume(userId);
  let reading: Promise<T>;
  try {
    reading = read();
  } catch (err) {
    reading = Promise.reject(err);
  }
  const [limit, result] = await Promise.allSettled([spent, reading]);
  if (limit.status === "rejected") throw limit.reason;
  if (result.status === "rejected") throw result.reason;
  return result.value;
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
