/**
 * One simulated room of the load test: ROOM members over both nodes, each playing its
 * role (recorder.ts `roleOf`) on timers — senders a message every 2 s, the asker a
 * question every 15 s, two Yjs co-editors an insert a second each, the uploader a text
 * document every 30 s, the rest watching. What it sends and receives goes to the Recorder.
 */
import { performance } from "node:perf_hooks";
import type { Db } from "@engunity/db";
import type { Socket } from "socket.io-client";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import type { ApiClient } from "../../test/support/api";
import { uploadFile } from "../../test/support/documents";
import { connectSocket } from "../lib/fixtures";
import { createBenchSession } from "../lib/rooms";
import { OP_TIMEOUT_MS, type Recorder, ROOM, roleOf } from "./recorder";

export interface LoadRoom {
  sessionId: string;
  close(): void;
}

/** What every room shares: the two nodes, a REST client, the users and the recorder. */
export interface RoomContext {
  urls: [string, string];
  api: ApiClient;
  db: Db;
  users: { id: string }[];
  tokens: string[];
  recorder: Recorder;
}

const polyfill = WebSocket as unknown as typeof globalThis.WebSocket;

/**
 * Opens room number `index` (unique over the whole run: it names every clientId) for
 * users slot·ROOM … slot·ROOM + ROOM − 1 (rooms reuse the users of a slot).
 */
export async function openLoadRoom(
  ctx: RoomContext,
  index: number,
  slot: number,
): Promise<LoadRoom> {
  const { urls, recorder } = ctx;
  const members = ctx.users.slice(slot * ROOM, (slot + 1) * ROOM);
  const memberTokens = ctx.tokens.slice(slot * ROOM, (slot + 1) * ROOM);
  const sessionId = await createBenchSession(ctx.db, members, `load room ${index}`);
  const sockets: Socket[] = [];
  const providers: WebsocketProvider[] = [];
  const docs: Y.Doc[] = [];
  const timers: NodeJS.Timeout[] = [];
  const close = () => {
    for (const t of timers) clearTimeout(t);
    for (const p of providers) p.destroy();
    for (const d of docs) d.destroy();
    for (const s of sockets) s.close();
  };
  try {
    for (let i = 0; i < members.length; i++) {
      const socket = await connectSocket(urls[i % 2]!, { token: memberTokens[i]! });
      sockets.push(socket);
      const ack = await socket.timeout(30_000).emitWithAck("session:join", { sessionId });
      if (!ack?.ok) throw new Error(`join: ${JSON.stringify(ack).slice(0, 200)}`);
      socket.on("message:new", (e: { message: { content: string } }) => {
        // The content names the send (`load|sentAt|clientId`), whatever the frame carries.
        const [tag, sentAtText, id] = e.message.content.split("|");
        if (tag !== "load" || !id) return;
        const w = recorder.windowOf(id);
        w.delivered.set(id, (w.delivered.get(id) ?? 0) + 1);
        const sentAt = Number(sentAtText);
        if (Number.isFinite(sentAt)) w.record("message delivery", performance.now() - sentAt);
      });
    }
    // Two co-editors on the session's draft, each on another node.
    for (let e = 0; e < 2; e++) {
      const i = 5 + e;
      const res = await ctx.api.post(`/chat/${sessionId}/yjs-ticket`, undefined, memberTokens[i]);
      if (res.status !== 200) throw new Error(`ticket: ${res.status}`);
      const doc = new Y.Doc();
      docs.push(doc);
      providers.push(
        new WebsocketProvider(
          `${urls[i % 2]!.replace(/^http/, "ws")}/yjs`,
          `session:${sessionId}`,
          doc,
          { WebSocketPolyfill: polyfill, disableBc: true, params: { ticket: res.body.ticket } },
        ),
      );
      doc.getText("draft").observe((event) => {
        if (event.transaction.local) return;
        for (const d of event.delta) {
          if (typeof d.insert !== "string") continue;
          for (const m of d.insert.matchAll(/⟦(\d+(?:\.\d+)?)⟧/g)) {
            const w = recorder.windowOf(m[1]!);
            w.yjsSeen += 1;
            w.record("Yjs propagation", performance.now() - Number(m[1]));
          }
        }
      });
    }
  } catch (err) {
    close();
    throw err;
  }

  const every = (ms: number, fn: () => void) => {
    timers.push(setTimeout(() => timers.push(setInterval(fn, ms)), Math.random() * ms));
  };
  members.forEach((_, i) => {
    const socket = sockets[i]!;
    const role = roleOf(i);
    let k = 0;
    if (role === "sender")
      every(2000, () => {
        const clientId = `ld-${index}-${i}-${k++}`;
        const w = recorder.sent(clientId);
        void recorder.op("message ack", async () => {
          const r = await socket.timeout(OP_TIMEOUT_MS).emitWithAck("message:send", {
            sessionId,
            content: `load|${performance.now().toFixed(3)}|${clientId}`,
            clientId,
            ai: false,
          });
          if (r?.ok) w.acked.set(clientId, performance.now());
          return Boolean(r?.ok);
        });
      });
    if (role === "asker")
      every(15_000, () => {
        const w = recorder.win;
        void recorder.op("AI first token", async () => {
          const first = new Promise<void>((r) => socket.once("ai:delta", () => r()));
          const done = new Promise<boolean>((r) =>
            socket.once("ai:done", (e: { message: { status: string } }) =>
              r(e.message.status === "complete"),
            ),
          );
          const ack = await socket.timeout(OP_TIMEOUT_MS).emitWithAck("message:send", {
            sessionId,
            content: `question ${k++}?`,
            clientId: `ai-${index}-${k}`,
            ai: true,
          });
          // A question counts once acknowledged: one refused or timed out is an error
          // (counted as such), not an answer lost.
          if (!ack?.ok) return false;
          w.asked += 1;
          await first;
          void done.then((ok) => {
            if (ok) w.answered += 1;
          });
          return true;
        });
      });
    if (role === "editor")
      every(1000, () => {
        const text = docs[i - 5]!.getText("draft");
        const marker = performance.now().toFixed(3);
        recorder.sent(marker).yjsSent += 1;
        text.insert(text.length, `⟦${marker}⟧ `);
        // Keep the draft short, as a person sending drafts does.
        if (text.length > 2000) text.delete(0, 1000);
      });
    if (role === "uploader")
      every(30_000, () => {
        void recorder.op("upload", async () => {
          const res = await uploadFile(
            urls[0],
            memberTokens[i]!,
            sessionId,
            `notes-${k++}.txt`,
            `Load test notes ${k}. `.repeat(50),
            "text/plain",
          );
          return res.status >= 200 && res.status < 300;
        });
      });
  });
  return { sessionId, close };
}
