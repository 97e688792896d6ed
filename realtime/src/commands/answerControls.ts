import { authorize, conflict, forbidden, notFound, validationFailed } from "@engunity/core";
import {
  type ChatMessage,
  listVersions,
  presentMessage,
  presentVersion,
  reviseMessages,
} from "@engunity/db";
import type { Message, MessageVersion } from "@engunity/shared";
import { Op } from "sequelize";
import type { AppContext } from "../context";
import type { DomainEvent } from "../events";
import { type AnswerRevision, admitAi } from "./askAi";

const STILL_STREAMING = "This answer is still being generated; stop it first";

async function findMessage(ctx: AppContext, sessionId: string, messageId: string) {
  const message = await ctx.db.models.ChatMessage.findByPk(messageId, {
    include: [{ association: "author" }],
  });
  if (!message || message.sessionId !== sessionId) throw notFound("Message");
  return message;
}

async function findAnswer(ctx: AppContext, sessionId: string, messageId: string) {
  const answer = await findMessage(ctx, sessionId, messageId);
  if (answer.role !== "assistant") throw notFound("Message");
  return answer;
}

/** The question an answer answers: the newest user message stored with or before it. */
async function questionOf(ctx: AppContext, answer: ChatMessage): Promise<ChatMessage> {
  const question = await ctx.db.models.ChatMessage.findOne({
    where: {
      sessionId: answer.sessionId,
      role: "user",
      createdAt: { [Op.lte]: answer.createdAt },
    },
    order: [
      ["createdAt", "DESC"],
      ["id", "DESC"],
    ],
  });
  if (!question) throw conflict("This answer has no question to answer again");
  return question;
}

/** A revised answer streams again: the room sees it reset, then a worker answers it. */
function reanswered(
  question: ChatMessage,
  answer: ChatMessage,
  pref: { provider?: string; model?: string },
  revision: AnswerRevision,
): DomainEvent[] {
  return [
    { type: "message.updated", message: answer },
    { type: "answer.requested", userMessage: question, assistant: answer, pref, revision },
  ];
}

/**
 * Regenerates an answer (editor+): the current text is kept as a version, the message
 * streams again under a new job and epoch, and everyone in the room sees it — the same
 * exactly-once path as any generation.
 */
export async function regenerateAnswer(
  ctx: AppContext,
  userId: string,
  sessionId: string,
  messageId: string,
  pref: { provider?: string; model?: string } = {},
): Promise<{ message: ChatMessage; events: DomainEvent[] }> {
  const { role } = await authorize(ctx.db, userId, sessionId, "askAi");
  const answer = await findAnswer(ctx, sessionId, messageId);
  await admitAi(ctx, userId, role);
  const question = await questionOf(ctx, answer);
  const [revised] =
    (await reviseMessages(ctx.db, [
      { messageId: answer.id, content: "", status: "streaming", metadata: () => ({}) },
    ])) ?? [];
  if (!revised) throw conflict(STILL_STREAMING);
  return { message: revised, events: reanswered(question, revised, pref, { userId }) };
}

/**
 * Continues an answer that stopped (the token limit, a stop, a cut): the text so far
 * is kept as a version and stays; the model goes on from it, streamed to the room.
 */
export async function continueAnswer(
  ctx: AppContext,
  userId: string,
  sessionId: string,
  messageId: string,
): Promise<{ message: ChatMessage; events: DomainEvent[] }> {
  const { role } = await authorize(ctx.db, userId, sessionId, "askAi");
  const answer = await findAnswer(ctx, sessionId, messageId);
  if (answer.status === "streaming") throw conflict(STILL_STREAMING);
  if (!answer.content.trim()) throw conflict("There is nothing to continue; regenerate instead");
  await admitAi(ctx, userId, role);
  const question = await questionOf(ctx, answer);
  const [revised] =
    (await reviseMessages(ctx.db, [
      { messageId: answer.id, content: answer.content, status: "streaming", metadata: () => ({}) },
    ])) ?? [];
  if (!revised) throw conflict(STILL_STREAMING);
  return {
    message: revised,
    events: reanswered(question, revised, {}, { userId, mode: "continue" }),
  };
}

/**
 * Edits one's own sent message (editor+) and, when the AI answered it, answers it
 * again: both old forms are kept as versions, in one transaction.
 */
export async function editMessage(
  ctx: AppContext,
  userId: string,
  sessionId: string,
  messageId: string,
  content: string,
): Promise<{ message: ChatMessage; assistantMessage?: ChatMessage; events: DomainEvent[] }> {
  const { role } = await authorize(ctx.db, userId, sessionId, "write");
  const message = await findMessage(ctx, sessionId, messageId);
  if (message.role !== "user") throw validationFailed("Only a sent message can be edited");
  if (message.authorId !== userId) throw forbidden("Only its author may edit a message");
  const answerId = message.metadata?.assistantMessageId;
  const answer = answerId ? await ctx.db.models.ChatMessage.findByPk(answerId) : null;
  if (answer) await admitAi(ctx, userId, role);
  const revised = await reviseMessages(ctx.db, [
    { messageId: message.id, content, status: "complete", metadata: (old) => old },
    ...(answer
      ? [
          {
            messageId: answer.id,
            content: "",
            status: "streaming" as const,
            metadata: () => ({}),
          },
        ]
      : []),
  ]);
  if (!revised) throw conflict(STILL_STREAMING);
  const [edited, reanswer] = revised as [ChatMessage, ChatMessage | undefined];
  const events: DomainEvent[] = [{ type: "message.updated", message: edited }];
  if (reanswer) events.push(...reanswered(edited, reanswer, {}, { userId }));
  return { message: edited, assistantMessage: reanswer, events };
}

/** A message with its earlier versions, oldest first (any member). */
export async function messageVersions(
  ctx: AppContext,
  userId: string,
  sessionId: string,
  messageId: string,
): Promise<{ message: Message; versions: MessageVersion[] }> {
  await authorize(ctx.db, userId, sessionId, "read");
  const message = await findMessage(ctx, sessionId, messageId);
  const versions = await listVersions(ctx.db, message.id);
  return { message: presentMessage(message), versions: versions.map(presentVersion) };
}
