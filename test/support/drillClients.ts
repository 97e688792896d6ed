import { randomUUID } from "node:crypto";
import type { Message } from "@engunity/shared";
import { fromRoomMessage, yjsRoom } from "@engunity/shared";
import { io } from "socket.io-client";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { AiViewer } from "../ai/aiViewer";
import type { ApiClient } from "./api";
import { type ClientSocket, emitAck, waitFor } from "./sockets";

const FINAL = new Set(["complete", "stopped", "error"]);

/**
 * A chat client as the web app behaves behind a load balancer: Socket.IO with its own
 * reconnection (to the proxy's one address, so it lands on whichever node is up), a
 * re-join on every connect (the join ack's snapshot plus `ai:resume` for answers it was
 * following), the history refetched over REST to fill what it missed, and sends retried
 * with the same `clientId` until acknowledged. Its `messages` is what it shows.
 */
export class ChatClient {
  readonly socket: ClientSocket;
  readonly viewer: AiViewer;
  readonly messages = new Map<string, Message>();
  /** Sends acknowledged by the server: clientId → message id. */
  readonly acked = new Map<string, string>();
  /** Assistant messages its sends asked for. */
  readonly generations: string[] = [];
  connects = 0;
  disconnects = 0;
  joins = 0;
  private closed = false;

  constructor(
    readonly url: string,
    readonly api: ApiClient,
    readonly token: string,
    readonly sessionId: string,
    transports: ("websocket" | "polling")[] = ["websocket"],
  ) {
    this.socket = io(url, {
      path: "/socket.io",
      transports,
      auth: { token },
      forceNew: true,
      reconnectionDelay: 50,
      reconnectionDelayMax: 250,
      randomizationFactor: 0.2,
    });
    this.viewer = new AiViewer(this.socket);
    this.socket.on("connect", () => {
      this.connects++;
      void this.rejoin();
    });
    this.socket.on("disconnect", () => {
      this.disconnects++;
    });
    // As the web app does: a batch that skips ahead is not applied; ask for what is missing.
    const gaps = new Map<string, number>();
    this.socket.on("ai:delta", (e) => {
      const g = this.viewer.gen(e.messageId);
      if (g.gaps === (gaps.get(e.messageId) ?? 0)) return;
      gaps.set(e.messageId, g.gaps);
      void this.viewer.resume(this.sessionId, e.messageId).catch(() => {});
    });
    this.socket.on("message:new", (e) => this.merge(fromRoomMessage(e.sessionId, e.message)));
    this.socket.on("ai:done", (e) => this.merge(e.message));
  }

  /** Resolves once the first join is done. */
  ready(timeoutMs = 10_000): Promise<void> {
    return waitFor(() => this.joins > 0, "the first join", timeoutMs);
  }

  private merge(m: Message): void {
    const prev = this.messages.get(m.id);
    // A snapshot read before an answer ended must not undo the `ai:done` seen since.
    if (prev && FINAL.has(prev.status) && !FINAL.has(m.status)) return;
    this.messages.set(m.id, m);
  }

  /** Join, then fill gaps; retried while connected (the database may be down). */
  private async rejoin(): Promise<void> {
    const connectsAtStart = this.connects;
    while (!this.closed && this.socket.connected && this.connects === connectsAtStart) {
      try {
        this.viewer.hold();
        try {
          const ack = await emitAck(
            this.socket,
            "session:join",
            { sessionId: this.sessionId },
            3000,
          );
          if (!ack.ok) throw new Error(JSON.stringify(ack.error));
          for (const m of ack.messages as Message[]) this.merge(m);
          this.viewer.fromSnapshot(ack.generations);
        } finally {
          this.viewer.release();
        }
        await this.refresh();
        for (const [id, g] of this.viewer.gens) {
          const stored = this.messages.get(id);
          if (g.done || (stored && FINAL.has(stored.status) && g.lastSeq === 0)) continue;
          await this.viewer.resume(this.sessionId, id);
        }
        this.joins++;
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** The whole history over REST (through the proxy), merged in. */
  async refresh(): Promise<void> {
    let before: string | undefined;
    for (;;) {
      const q = `?limit=200${before ? `&before=${before}` : ""}`;
      const res = await this.api.get(`/chat/${this.sessionId}${q}`, this.token);
      if (res.status !== 200) throw new Error(`history: ${res.status}`);
      const page = res.body.messages as Message[];
      for (const m of page) this.merge(m);
      if (page.length < 200) return;
      before = page[0]!.id;
    }
  }

  /**
   * Sends until acknowledged, with one `clientId` (a resend after a lost ack stores
   * nothing twice). Returns the ack.
   */
  async send(
    content: string,
    ai = false,
    timeoutMs = 30_000,
  ): Promise<{ id: string; assistantMessageId?: string }> {
    const clientId = randomUUID();
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      if (this.socket.connected && this.joins > 0) {
        try {
          const ack = await emitAck(
            this.socket,
            "message:send",
            { sessionId: this.sessionId, content, clientId, ai },
            3000,
          );
          if (ack.ok) {
            this.acked.set(clientId, ack.message.id);
            this.merge(ack.message);
            if (ack.assistantMessageId) this.generations.push(ack.assistantMessageId);
            return { id: ack.message.id, assistantMessageId: ack.assistantMessageId };
          }
          last = JSON.stringify(ack.error);
          if (["validation_failed", "forbidden", "not_found"].includes(ack.error?.code))
            throw new Error(`send refused: ${last}`);
        } catch (err) {
          if ((err as Error).message.startsWith("send refused")) throw err;
          last = (err as Error).message;
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`send not acknowledged within ${timeoutMs} ms: ${last}`);
  }

  close(): void {
    this.closed = true;
    this.socket.close();
  }
}

/**
 * A co-editor of a session's Yjs doc through the proxy, reconnecting as the web app
 * does (web/src/lib/collab.ts): every connection needs a fresh single-use ticket, so on
 * close it stops y-websocket's own retry, fetches a ticket and connects again.
 */
export class YjsEditor {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  connects = 0;
  private destroyed = false;

  constructor(
    readonly url: string,
    readonly api: ApiClient,
    readonly token: string,
    readonly sessionId: string,
  ) {
    this.provider = new WebsocketProvider(
      `${url.replace(/^http/, "ws")}/yjs`,
      yjsRoom(sessionId),
      this.doc,
      {
        connect: false,
        disableBc: true,
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      },
    );
    this.provider.on("connection-close", () => {
      this.provider.shouldConnect = false;
      if (!this.destroyed) setTimeout(() => void this.connect(), 50);
    });
    this.provider.on("status", ({ status }: { status: string }) => {
      if (status === "connected") this.connects++;
    });
    void this.connect();
  }

  private async connect(): Promise<void> {
    while (!this.destroyed) {
      const res = await this.api
        .post(`/chat/${this.sessionId}/yjs-ticket`, undefined, this.token)
        .catch(() => null);
      if (res?.status === 200) {
        if (this.destroyed) return;
        this.provider.params = { ticket: res.body.ticket };
        this.provider.connect();
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  synced(timeoutMs = 10_000): Promise<void> {
    return waitFor(() => this.provider.synced && this.provider.wsconnected, "yjs sync", timeoutMs);
  }

  draft(): string {
    return this.doc.getText("draft").toString();
  }

  /** One small edit at a random place of the draft. */
  edit(rand: () => number, tag: string): void {
    const text = this.doc.getText("draft");
    const at = Math.floor(rand() * (text.length + 1));
    if (text.length > 200 && rand() < 0.4) text.delete(Math.min(at, text.length - 3), 3);
    else text.insert(at, tag);
  }

  destroy(): void {
    this.destroyed = true;
    this.provider.destroy();
    this.doc.destroy();
  }
}

/** A seeded PRNG (mulberry32), so a failing schedule can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
