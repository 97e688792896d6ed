/** Clients of the raw `ws` floor (`wsBroadcastServer.ts`): N plain WebSockets, connected in batches. */
import WebSocket from "ws";
import { inBatches } from "./fixtures";

export interface WsClient {
  socket: WebSocket;
  /** Bytes of the last broadcast frame received (its payload, as for the Socket.IO meter). */
  lastFrameBytes: number;
  /** Calls `fn` with every broadcast frame's text. */
  onContent(fn: (content: string) => void): void;
  /** Sends `content` to be broadcast; resolves true on the server's ack, false after `timeoutMs`. */
  send(content: string, timeoutMs: number): Promise<boolean>;
}

let nextAck = 0;

function connectWs(url: string): Promise<WsClient> {
  const socket = new WebSocket(url.replace(/^http/, "ws"), { perMessageDeflate: false });
  const listeners: ((content: string) => void)[] = [];
  const pending = new Map<string, (ok: boolean) => void>();
  const client: WsClient = {
    socket,
    lastFrameBytes: Number.NaN,
    onContent: (fn) => listeners.push(fn),
    send(content, timeoutMs) {
      const id = String(nextAck++);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve(false);
        }, timeoutMs);
        pending.set(id, (ok) => {
          clearTimeout(timer);
          resolve(ok);
        });
        socket.send(`${id}|${content}`);
      });
    },
  };
  socket.on("message", (data: Buffer) => {
    const text = data.toString();
    if (text.startsWith("ack|")) {
      const id = text.slice(4);
      pending.get(id)?.(true);
      pending.delete(id);
      return;
    }
    client.lastFrameBytes = data.length;
    for (const fn of listeners) fn(text);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`connect ${url} timed out`)), 20_000);
    socket.once("open", () => {
      clearTimeout(timer);
      resolve(client);
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** `n` clients on the floor server at `url`, 50 connects at a time; every client is in "the room". */
export function openWsRoom(url: string, n: number): Promise<WsClient[]> {
  return inBatches(
    Array.from({ length: n }, () => url),
    50,
    (u) => connectWs(u),
  );
}
