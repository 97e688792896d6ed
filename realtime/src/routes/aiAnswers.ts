import { unavailable } from "@engunity/core";
import { type ChatMessage, presentMessage } from "@engunity/db";
import type { Request, Response } from "express";
import type { AppContext } from "../context";

/** How long a plain `POST /chat/` waits for the answer before giving up with 503. */
const WAIT_MS = 5 * 60_000;

/**
 * Waits until the worker has written the final assistant message. Subscribes first,
 * then reads the row, so an answer finishing in between is never missed.
 */
export async function waitForAnswer(
  ctx: AppContext,
  messageId: string,
  timeoutMs = WAIT_MS,
): Promise<ChatMessage> {
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const unsubscribe = await ctx.ai.bus.subscribe(messageId, (e) => {
    if (e.type === "done") resolveDone();
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const row = await ctx.db.models.ChatMessage.findByPk(messageId, {
      include: [{ association: "author" }],
    });
    if (row && row.status !== "streaming") return row;
    await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(unavailable("The answer is taking too long; it will appear in the session")),
          timeoutMs,
        );
      }),
    ]);
    const final = await ctx.db.models.ChatMessage.findByPk(messageId, {
      include: [{ association: "author" }],
    });
    if (!final) throw unavailable("The answer was removed");
    return final;
  } finally {
    clearTimeout(timer);
    await unsubscribe();
  }
}

/**
 * `POST /chat/` with `Accept: text/event-stream`: SSE events `message` (what was stored),
 * `delta` (`{messageId, epoch, seq, text}`, the same batches sockets get; a new epoch
 * means start over) and `done` (`{message}`, the final answer).
 */
export async function streamAnswer(
  ctx: AppContext,
  req: Request,
  res: Response,
  first: object,
  assistantId: string,
): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  const send = (event: string, data: unknown) =>
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send("message", first);

  let epoch = 0;
  let lastSeq = 0;
  let finished = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const deliver = (e: number, seq: number, text: string) => {
    if (e < epoch || (e === epoch && seq <= lastSeq)) return;
    if (e > epoch) lastSeq = 0;
    // Live batches may arrive before the catch-up read ends; only the next seq goes out.
    if (seq !== lastSeq + 1) return;
    epoch = e;
    lastSeq = seq;
    send("delta", { messageId: assistantId, epoch, seq, text });
  };
  const pendingLive: { epoch: number; seq: number; text: string }[] = [];
  let caughtUp = false;
  const unsubscribe = await ctx.ai.bus.subscribe(assistantId, (e) => {
    if (e.type === "delta") {
      if (caughtUp) deliver(e.epoch, e.seq, e.text);
      else pendingLive.push(e);
    } else if (e.type === "done") resolveDone();
  });
  req.on("close", () => {
    if (!finished) resolveDone();
  });
  try {
    const log = await ctx.ai.log.read(assistantId, 0);
    for (const d of log?.deltas ?? []) deliver(log!.epoch, d.seq, d.text);
    caughtUp = true;
    for (const e of pendingLive.splice(0)) deliver(e.epoch, e.seq, e.text);
    const row = await ctx.db.models.ChatMessage.findByPk(assistantId);
    if (row?.status === "streaming") await done;
    finished = true;
    const final = await ctx.db.models.ChatMessage.findByPk(assistantId, {
      include: [{ association: "author" }],
    });
    if (final && !res.writableEnded) send("done", { message: presentMessage(final) });
  } finally {
    await unsubscribe();
    res.end();
  }
}
