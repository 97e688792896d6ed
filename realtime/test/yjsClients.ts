import { yjsRoom } from "@engunity/shared";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import type { ApiClient } from "../../test/support/api";
import { waitFor } from "../../test/support/sockets";

/** Test helpers for the Yjs endpoint: stock y-websocket clients, tickets, bounded waits. */

export async function getTicket(api: ApiClient, sessionId: string, token: string): Promise<string> {
  const res = await api.post(`/chat/${sessionId}/yjs-ticket`, undefined, token);
  if (res.status !== 200) throw new Error(`ticket: ${res.status} ${res.text}`);
  return res.body.ticket as string;
}

export function wsBase(nodeUrl: string): string {
  return `${nodeUrl.replace(/^http/, "ws")}/yjs`;
}

export interface TestClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  title(): string;
  draft(): string;
  /** Drops the connection (edits made meanwhile stay local). */
  disconnect(): void;
  /** Reconnects with a fresh ticket (a ticket works once) and waits for the sync. */
  reconnect(nodeUrl?: string): Promise<void>;
  destroy(): void;
}

/** A stock `WebsocketProvider` on a session's doc, connected and synced. */
export async function connectClient(
  api: ApiClient,
  nodeUrl: string,
  sessionId: string,
  token: string,
): Promise<TestClient> {
  const doc = new Y.Doc();
  const ticket = await getTicket(api, sessionId, token);
  const provider = new WebsocketProvider(wsBase(nodeUrl), yjsRoom(sessionId), doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { ticket },
    disableBc: true,
    maxBackoffTime: 100,
  });
  const synced = () => waitFor(() => provider.synced, "provider sync");
  await synced();
  return {
    doc,
    provider,
    title: () => doc.getText("title").toString(),
    draft: () => doc.getText("draft").toString(),
    disconnect: () => provider.disconnect(),
    async reconnect(url = nodeUrl) {
      provider.disconnect();
      provider.serverUrl = wsBase(url);
      provider.params = { ticket: await getTicket(api, sessionId, token) };
      provider.connect();
      await synced();
    },
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

/** A doc from the stored rows of a room, as any node would load it. */
export async function storedDoc(rows: { data: Buffer }[]): Promise<Y.Doc> {
  const doc = new Y.Doc();
  if (rows.length) Y.applyUpdate(doc, Y.mergeUpdates(rows.map((r) => new Uint8Array(r.data))));
  return doc;
}

/**
 * A bare websocket to `/yjs/<room>`: the open socket, or the HTTP status it was
 * refused with. `firstMessage` is caught from the start: the server's first frame can
 * arrive in the same packet as the handshake answer.
 */
export function rawConnect(
  nodeUrl: string,
  room: string,
  query: string,
  headers: Record<string, string> = {},
): Promise<
  { ws: WebSocket; status: 101; firstMessage: Promise<Buffer> } | { ws: null; status: number }
> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase(nodeUrl)}/${room}${query}`, { headers });
    ws.binaryType = "nodebuffer";
    const firstMessage = new Promise<Buffer>((r) => ws.once("message", r));
    ws.once("open", () => resolve({ ws, status: 101, firstMessage }));
    ws.once("unexpected-response", (_req, res) => {
      resolve({ ws: null, status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once("error", (err) => reject(err));
  });
}

/** Resolves with the close code once the server closes `ws` (bounded). */
export function closedWith(ws: WebSocket, timeoutMs = 5_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("socket was not closed")), timeoutMs);
    ws.once("close", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

export { waitFor };
