import type { Message } from "@engunity/shared";
import { createEffect, createRoot } from "solid-js";
import { createStore, produce } from "solid-js/store";
import { currentUser } from "./auth";
import { connectionState, request } from "./socket";

/**
 * Messages the user sent that the server has not acknowledged yet. Everything goes
 * through here, online or not: while offline an entry waits (shown as "pending");
 * on reconnect it is sent with the same `clientId`, so a send whose ack got lost
 * to the disconnect is stored once, not twice (the server deduplicates on it).
 * Kept in localStorage so a reload while offline loses nothing.
 */
export interface PendingMessage {
  clientId: string;
  sessionId: string;
  userId: string;
  content: string;
  ai?: boolean;
  state: "pending" | "sending" | "failed";
  error?: string;
  createdAt: string;
}

const KEY = "engunity.outbox";
const load = (): PendingMessage[] => {
  try {
    const items = JSON.parse(localStorage.getItem(KEY) ?? "[]") as PendingMessage[];
    return items.map((m) => ({ ...m, state: m.state === "failed" ? "failed" : "pending" }));
  } catch {
    return [];
  }
};

const [outbox, setOutbox] = createStore<{ items: PendingMessage[] }>({ items: load() });
const save = () => {
  try {
    localStorage.setItem(KEY, JSON.stringify(outbox.items));
  } catch {
    // No storage (the widget in a third-party frame of a browser that blocks it): the
    // queue still works, it just does not survive a reload.
  }
};

type SentListener = (message: Message, assistantMessageId?: string) => void;
const listeners = new Set<SentListener>();

/** Calls `fn` with each message the server acknowledged; returns the unsubscribe. */
export function onSent(fn: SentListener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The unacknowledged messages of a session (of the signed-in user), oldest first. */
export function pendingFor(sessionId: string): PendingMessage[] {
  const me = currentUser()?.id;
  return outbox.items.filter((m) => m.sessionId === sessionId && m.userId === me);
}

/** Queues a message and sends it now if the connection is up. */
export function enqueue(sessionId: string, content: string, ai?: boolean): PendingMessage {
  const item: PendingMessage = {
    clientId: `c-${crypto.randomUUID()}`,
    sessionId,
    userId: currentUser()?.id ?? "",
    content,
    ai,
    state: "pending",
    createdAt: new Date().toISOString(),
  };
  setOutbox("items", (items) => [...items, item]);
  save();
  void flush();
  return item;
}

/** Drops a message the server refused, or puts it back in line to try again. */
export function discard(clientId: string): void {
  setOutbox("items", (items) => items.filter((m) => m.clientId !== clientId));
  save();
}
export function retry(clientId: string): void {
  update(clientId, { state: "pending", error: undefined });
  void flush();
}

function update(clientId: string, patch: Partial<PendingMessage>): void {
  setOutbox(
    "items",
    (m) => m.clientId === clientId,
    produce((m) => Object.assign(m, patch)),
  );
  save();
}

/**
 * Forgets a pending entry once the server's copy of it has arrived by broadcast: the
 * same sender's message under its `clientId` in its session (a `clientId` is its
 * sender's key; another member's message under the same one settles nothing).
 */
export function settle(message: Pick<Message, "clientId" | "sessionId" | "author">): void {
  const { clientId, sessionId } = message;
  const authorId = message.author?.id;
  if (!clientId || !authorId) return;
  const mine = (m: PendingMessage) =>
    m.clientId === clientId && m.sessionId === sessionId && m.userId === authorId;
  if (outbox.items.some(mine)) discard(clientId);
}

let flushing = false;
const RETRY_LATER_MS = 2_000;

/** Sends queued messages in order, one at a time; stops at the first that cannot go. */
export async function flush(): Promise<void> {
  if (flushing) return;
  flushing = true;
  try {
    const me = currentUser()?.id;
    for (;;) {
      if (connectionState() !== "online") return;
      const next = outbox.items.find((m) => m.state === "pending" && m.userId === me);
      if (!next) return;
      update(next.clientId, { state: "sending" });
      let res: Awaited<ReturnType<typeof request<"message:send">>>;
      try {
        res = await request("message:send", {
          sessionId: next.sessionId,
          content: next.content,
          clientId: next.clientId,
          ...(next.ai !== undefined ? { ai: next.ai } : {}),
        });
      } catch {
        // Dropped connection or no ack in time: back in line, resent on reconnect.
        update(next.clientId, { state: "pending" });
        return;
      }
      if ("error" in res) {
        if (res.error.code === "rate_limited" || res.error.code === "unavailable") {
          // Passing conditions: keep it queued and try again shortly, in order.
          update(next.clientId, { state: "pending" });
          setTimeout(() => void flush(), RETRY_LATER_MS);
          return;
        }
        update(next.clientId, { state: "failed", error: res.error.message });
        continue;
      }
      discard(next.clientId);
      for (const fn of listeners) fn(res.message, res.assistantMessageId);
    }
  } finally {
    flushing = false;
  }
}

createRoot(() => {
  createEffect(() => {
    if (connectionState() === "online") void flush();
  });
});
