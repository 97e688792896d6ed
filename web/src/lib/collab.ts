import { yjsRoom } from "@engunity/shared/rooms";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { api } from "./api";
import { onServerResync } from "./yjsResync";

/**
 * The session's shared Yjs doc: `Y.Text("title")` and `Y.Text("draft")`, with
 * awareness `{user: {id, name, color}, cursor}`. Loaded lazily (a chunk of its own)
 * once the chat is on screen. Each connection needs a fresh single-use ticket, so
 * reconnecting is ours, not y-websocket's: on close we stop its retry loop, fetch a
 * new ticket and connect again, with backoff.
 */
export interface AwarenessUser {
  id: string;
  name: string;
  color: string;
}

/** Where a peer's caret is: which field, as Yjs relative positions (survive edits). */
export interface CursorState {
  field: "title" | "draft";
  anchor: unknown;
  head: unknown;
}

export interface Peer {
  clientId: number;
  user: AwarenessUser;
  cursor: CursorState | null;
}

export interface Collab {
  /**
   * Connected in place of a copy the server refused an edit of: what the fields hold
   * locally is that refused edit, so binding must not put it back (the draft's
   * `keepLocal`).
   */
  afterResync: boolean;
  doc: Y.Doc;
  title: Y.Text;
  draft: Y.Text;
  /** Sets this client's caret (null when no field has focus). */
  setCursor(field: "title" | "draft" | null, anchor?: number, head?: number): void;
  /** Other people in the doc and their carets. */
  peers(): Peer[];
  /** A caret as absolute index in its field's current text, or null. */
  resolve(cursor: CursorState, pos: "anchor" | "head"): number | null;
  onPeers(fn: () => void): () => void;
  onStatus(fn: (synced: boolean) => void): () => void;
  /**
   * The server refused an edit of this copy (`why`: `doc_too_large`, `rate`,
   * `read_only`…): this copy is finished (it holds what the server's never will).
   * The owner destroys it and connects a fresh one, which loads the server's copy.
   */
  onResync(fn: (why: string) => void): void;
  destroy(): void;
}

export function connectCollab(
  sessionId: string,
  user: AwarenessUser,
  opts: { afterResync?: boolean } = {},
): Collab {
  const doc = new Y.Doc();
  const title = doc.getText("title");
  const draft = doc.getText("draft");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const provider = new WebsocketProvider(
    `${scheme}://${location.host}/yjs`,
    yjsRoom(sessionId),
    doc,
    {
      connect: false,
      // Cross-tab sync would bypass the server's checks (a viewer's tab could write).
      disableBc: true,
    },
  );
  provider.awareness.setLocalStateField("user", user);
  provider.awareness.setLocalStateField("cursor", null);
  let destroyed = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let resynced: ((why: string) => void) | undefined;
  let refused: string | undefined;
  onServerResync(provider, (why) => {
    if (refused) return;
    refused = why;
    provider.shouldConnect = false;
    resynced?.(why);
  });

  async function connect(): Promise<void> {
    if (destroyed) return;
    try {
      const { ticket } = await api<{ ticket: string }>("POST", `/chat/${sessionId}/yjs-ticket`);
      if (destroyed) return;
      provider.params = { ticket };
      provider.connect();
    } catch {
      retry();
    }
  }
  function retry(): void {
    clearTimeout(timer);
    failures++;
    timer = setTimeout(() => void connect(), Math.min(2 ** failures * 250, 10_000));
  }
  provider.on("connection-close", (event: CloseEvent | null) => {
    // Its own reconnect would reuse the spent ticket; ours fetches a new one. Not
    // `disconnect()`: that closes the socket again, which emits this event again
    // (y-websocket 2.1 emits it before clearing `provider.ws`) — endless recursion.
    provider.shouldConnect = false;
    // Signed out (4401), removed (4403), or an edit the server refused (4413, 4429:
    // this copy now holds what the server's does not; retrying would resend it, so the
    // resync notice before the close hands over to a fresh copy): stop.
    if (refused || (event && [4401, 4403, 4413, 4429].includes(event.code))) return;
    if (!destroyed) retry();
  });
  provider.on("status", ({ status }: { status: string }) => {
    if (status === "connected") failures = 0;
  });
  void connect();

  const toRel = (text: Y.Text, index: number) =>
    Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, index));

  return {
    afterResync: opts.afterResync ?? false,
    doc,
    title,
    draft,
    setCursor(field, anchor = 0, head = anchor) {
      if (!field) {
        provider.awareness.setLocalStateField("cursor", null);
        return;
      }
      const text = field === "title" ? title : draft;
      provider.awareness.setLocalStateField("cursor", {
        field,
        anchor: toRel(text, anchor),
        head: toRel(text, head),
      } satisfies CursorState);
    },
    peers() {
      const out: Peer[] = [];
      provider.awareness.getStates().forEach((state, clientId) => {
        if (clientId === doc.clientID || !state.user) return;
        out.push({
          clientId,
          user: state.user as AwarenessUser,
          cursor: (state.cursor as CursorState) ?? null,
        });
      });
      return out;
    },
    resolve(cursor, pos) {
      try {
        const rel = Y.createRelativePositionFromJSON(cursor[pos]);
        const abs = Y.createAbsolutePositionFromRelativePosition(rel, doc);
        return abs ? abs.index : null;
      } catch {
        return null;
      }
    },
    onPeers(fn) {
      provider.awareness.on("change", fn);
      return () => provider.awareness.off("change", fn);
    },
    onStatus(fn) {
      const h = (synced: boolean) => fn(synced);
      provider.on("sync", h);
      const closed = () => fn(false);
      provider.on("connection-close", closed);
      return () => {
        provider.off("sync", h);
        provider.off("connection-close", closed);
      };
    },
    onResync(fn) {
      resynced = fn;
      if (refused) fn(refused);
    },
    destroy() {
      destroyed = true;
      clearTimeout(timer);
      provider.awareness.setLocalState(null);
      provider.destroy();
      doc.destroy();
    },
  };
}
