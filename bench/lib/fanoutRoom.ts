/**
 * The rooms of the fan-out bench, one interface over three transports: Engunity's
 * `session:join` / `message:send`, the bare Socket.IO floor's `join` / `send`, and the
 * raw ws floor (every client of the server is in the room).
 */
import { performance } from "node:perf_hooks";
import type { Db } from "@engunity/db";
import { connectSocket } from "./fixtures";
import { createBenchSession, joinRoom } from "./rooms";
import { openWsRoom } from "./wsRoom";

const ACK_TIMEOUT_MS = 10_000;

/** Engunity, its floor (bare Socket.IO + redis adapter), and the physical floor (raw ws). */
export type Target = "engunity" | "bare" | "ws";

/** One client of a room, whatever the transport. */
export interface FanoutClient {
  /** Calls `fn` with the content of every new message the client receives. */
  onContent(fn: (content: string) => void): void;
  /** Sends `content`; true once the server acked it. */
  send(content: string, key: string): Promise<boolean>;
}

/** N clients joined into one room, ready to measure. */
export interface OpenRoom {
  clients: FanoutClient[];
  /** Bytes of one new-message frame as the last client received it. */
  frameBytes(): number;
  close(): void;
  joinMs: number;
  settleMs: number;
  settled: boolean;
}

/** Where the three sides run, and the users Engunity's rooms are made of. */
export interface FanoutContext {
  db: Db;
  users: { id: string }[];
  tokens: string[];
  engunityUrls: string[];
  bareUrls: string[];
  wsUrl: string;
  /** A Socket.IO room is joined once no frame arrived for this long (the join storm drained). */
  quietMs: number;
}

/** N clients of `target` joined into one room (Engunity's: a new session of users 0…N−1). */
export async function openFanoutRoom(
  ctx: FanoutContext,
  target: Target,
  n: number,
  run: number,
): Promise<OpenRoom> {
  if (target === "ws") {
    const t0 = performance.now();
    const sockets = await openWsRoom(ctx.wsUrl, n);
    return {
      clients: sockets.map((c) => ({
        onContent: (fn) => c.onContent(fn),
        send: (content) => c.send(content, ACK_TIMEOUT_MS),
      })),
      frameBytes: () => sockets[n - 1]!.lastFrameBytes,
      close: () => {
        for (const c of sockets) c.socket.close();
      },
      joinMs: performance.now() - t0,
      settleMs: performance.now() - t0,
      settled: true,
    };
  }
  const room =
    target === "engunity"
      ? await createBenchSession(ctx.db, ctx.users.slice(0, n), `bench ${n} #${run}`)
      : `bench-${n}-${run}`;
  const joined = await joinRoom({
    target,
    urls: target === "engunity" ? ctx.engunityUrls : ctx.bareUrls,
    room,
    tokens: ctx.tokens,
    n,
    quietMs: ctx.quietMs,
    connect: connectSocket,
  });
  const event = target === "engunity" ? "message:new" : "new";
  return {
    clients: joined.clients.map((socket) => ({
      onContent: (fn) =>
        socket.on(event, (payload: { message?: { content: string }; content?: string }) =>
          fn(payload.message?.content ?? payload.content ?? ""),
        ),
      send: async (content, key) => {
        const s = socket.timeout(ACK_TIMEOUT_MS);
        const r: { ok?: boolean } =
          target === "engunity"
            ? await s.emitWithAck("message:send", {
                sessionId: room,
                content,
                clientId: `b-${n}-${run}-${key}`,
                ai: false,
              })
            : await s.emitWithAck("send", { room, content });
        return Boolean(r?.ok);
      },
    })),
    frameBytes: () => joined.meters[n - 1]!.lastFrame.get(event) ?? Number.NaN,
    close: () => {
      for (const socket of joined.clients) socket.close();
    },
    joinMs: joined.joinMs,
    settleMs: joined.settleMs,
    settled: joined.settled,
  };
}
