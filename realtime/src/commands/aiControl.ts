import { authorize, authorizeAccess, notFound } from "@engunity/core";
import { presentMessage } from "@engunity/db";
import type { Delta, Message } from "@engunity/shared";
import type { AppContext } from "../context";
import type { DomainEvent } from "../events";

async function findAnswer(ctx: AppContext, sessionId: string, messageId: string) {
  const message = await ctx.db.models.ChatMessage.findByPk(messageId);
  if (!message || message.sessionId !== sessionId || message.role !== "assistant")
    throw notFound("Message");
  return message;
}

/**
 * Stops a generation from any node (editor+): published, the cancel key and pub/sub
 * reach the worker running it, which stores the partial answer as `stopped` with who
 * stopped it (`metadata.stoppedBy`: the first stop counts). A finished answer is left
 * as it is.
 */
export async function stopAi(
  ctx: AppContext,
  userId: string,
  sessionId: string,
  messageId: string,
): Promise<DomainEvent[]> {
  const { user } = await authorizeAccess(ctx.db, userId, sessionId, "stopAi");
  const message = await findAnswer(ctx, sessionId, messageId);
  const by = { id: user.id, name: user.fullName?.trim() || user.username };
  return message.status === "streaming" ? [{ type: "answer.stopRequested", messageId, by }] : [];
}

/**
 * What a reconnecting viewer missed of a generation: the current epoch's batches after
 * `afterSeq`, and the final message once it is done.
 */
export async function resumeAi(
  ctx: AppContext,
  userId: string,
  sessionId: string,
  messageId: string,
  afterSeq: number,
): Promise<{ epoch: number; deltas: Delta[]; done?: Message }> {
  await authorize(ctx.db, userId, sessionId, "read");
  // The log first, then the row: a generation finishing in between shows up as done.
  const log = await ctx.ai.log.read(messageId, afterSeq);
  const message = await findAnswer(ctx, sessionId, messageId);
  const out: { epoch: number; deltas: Delta[]; done?: Message } = {
    epoch: log?.epoch ?? 0,
    deltas: log?.deltas ?? [],
  };
  if (message.status !== "streaming") out.done = presentMessage(message);
  return out;
}
