import { unavailable } from "@engunity/core";
import { type ChatMessage, presentMessage } from "@engunity/db";
import { applyDelta, type StreamDelta, type StreamState } from "@engunity/shared";
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

  let finished = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  // What this client has been sent, advanced only by the shared stream rule. Live
  // batches and log reads are applied one at a time (a chain), so a gap is filled from
  // the log before anything newer goes out — never dropped.
  let rendered: StreamState | undefined;
  let chain = Promise.resolve();
  const apply = (delta: StreamDelta) => {
    const r = applyDelta(rendered, delta);
    if (r.outcome === "applied") {
      rendered = r.state;
      send("delta", {
        messageId: assistantId,
        epoch: delta.epoch,
        seq: delta.seq,
        text: delta.text,
      });
    }
    return r.outcome;
  };
  const catchUp = async () => {
    const after = rendered?.seq ?? 0;
    let log = await ctx.ai.log.read(assistantId, after);
    // A retried generation's log starts at seq 1 of a newer epoch.
    if (log && rendered && log.epoch !== rendered.epoch && after > 0) {
      log = await ctx.ai.log.read(assistantId, 0);
    }
    for (const d of log?.deltas ?? []) apply({ epoch: log!.epoch, seq: d.seq, text: d.text });
  };
  const deliver = (delta: StreamDelta) => {
    chain = chain.then(async () => {
      if (apply(delta) === "gap") await catchUp();
    });
  };
  const unsubscribe = await ctx.ai.bus.subscribe(assistantId, (e) => {
    if (e.type === "delta") deliver({ epoch: e.epoch, seq: e.seq, text: e.text });
    else if (e.type === "done") resolveDone();
  });
  req.on("close", () => {
    if (!finished) resolveDone();
  });
  try {
    // Subscribed first, then the log: anything published in between is either in the
    // log (sent now) or arrives live after it (stale, or applied in order).
    chain = chain.then(catchUp);
    await chain;
    const row = await ctx.db.models.ChatMessage.findByPk(assistantId);
    if (row?.status === "streaming") await done;
    finished = true;
    await chain;
    const final = await ctx.db.models.ChatMessage.findByPk(assistantId, {
      include: [{ association: "author" }],
    });
    if (final && !res.writableEnded) send("done", { message: presentMessage(final) });
  } finally {
    await unsubscribe();
    res.end();
  }
}
