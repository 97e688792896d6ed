import { LIMITS } from "@engunity/shared";
import {
  Awareness,
  applyAwarenessUpdate,
  encodeAwarenessUpdate,
  removeAwarenessStates,
} from "y-protocols/awareness";
import * as Y from "yjs";
import { guardAwarenessUpdate } from "./awarenessGuard";
import type { DocPersister } from "./DocPersister";
import { encodeAwareness, encodeUpdate } from "./protocol";
import type { DocSync } from "./redisDocSync";
import type { TitleMirror } from "./TitleMirror";

/** Transaction origin of updates that came from another node: applied, never re-sent or stored. */
export const FROM_PEER = Symbol("yjs-peer");
/** Transaction origin of rows read from the database: applied, never re-sent or stored. */
export const FROM_STORE = Symbol("yjs-store");
/** Transaction origin of the server's own edits (REST rename). */
export const FROM_SERVER = Symbol("yjs-server");
/**
 * Transaction origin of the title seeded from `chat_sessions.title` into a doc with no
 * rows: a server edit (stored and sent to peers), but the column already holds it, so
 * the title mirror has nothing to write.
 */
export const FROM_SEED = Symbol("yjs-seed");

/**
 * One settled promise for every doc: what a loaded doc's `ready` and an idle doc's
 * write chains (TitleMirror, DocPersister) are, so no doc holds one of its own.
 */
export const SETTLED: Promise<void> = Promise.resolve();

/** One client connection as a doc sees it; the websocket lives behind it. */
export interface DocConnection {
  readonly userId: string;
  /** The account's display name: what awareness shows for this connection. */
  readonly name: string;
  /** Set from the membership: a role change reaches it at once (DocRegistry.setRole). */
  canWrite: boolean;
  /** Whether it was told to resync after a refused write while read-only (told once). */
  toldToResync: boolean;
  /** Spends one document update from the connection's rate budget; false when over it. */
  takeUpdate(): boolean;
  send(frame: Uint8Array): void;
  close(code: number, reason: string): void;
}

export interface SharedDocDeps {
  sync: DocSync | null;
  onUpdateBytes(bytes: number, source: "local" | "peer"): void;
}

/** What a doc may hold pending (parts whose parents it lacks), in encoded bytes. */
export const MAX_PENDING_BYTES = 64 * 1024;

/**
 * A doc held in memory by this node: the Y.Doc with its awareness, the local
 * connections, and what keeps the database and the other nodes in step.
 */
export class SharedDoc {
  readonly doc = new Y.Doc();
  readonly awareness = new Awareness(this.doc);
  /** Each connection with the awareness client ids it controls. */
  readonly conns = new Map<DocConnection, Set<number>>();
  /** Connections plus in-flight server operations keeping this doc loaded. */
  refs = 0;
  /** Role changes and evictions applied to this doc's connections (RoleWatch). */
  roleChanges = 0;
  /** Resolves once the stored rows are applied (`SETTLED` once they are). */
  ready: Promise<void> = SETTLED;
  persister!: DocPersister;
  /** The Redis subscribe failed (Redis down); retried when Redis is back. */
  unsubscribed = false;
  title!: TitleMirror;
  /**
   * Running size estimate of the doc's encoded state: the stored state at load plus
   * every update since. It only grows; the budget check recounts it when it nears the
   * limit (deletions shrink the real state).
   */
  approxBytes = 0;

  constructor(
    readonly room: string,
    readonly sessionId: string,
    private readonly deps: SharedDocDeps,
  ) {
    // The server has no awareness state of its own.
    this.awareness.setLocalState(null);
    // Prototype methods bound here, not arrow-function fields: a bound function is
    // smaller than a closure, and tsx's keepNames renames each named closure it makes,
    // which puts every one of them in dictionary mode (see bench/README.md).
    this.doc.on("update", this.onUpdate.bind(this));
    this.awareness.on("update", this.onAwareness.bind(this));
    // Any change, from any origin but the seed: see TitleMirror for why every node mirrors.
    this.doc.getText("title").observe(this.onTitle.bind(this));
  }

  private onTitle(event: Y.YTextEvent): void {
    if (event.transaction.origin !== FROM_SEED) this.title?.schedule();
  }

  private onUpdate(update: Uint8Array, origin: unknown): void {
    this.approxBytes += update.byteLength;
    if (origin === FROM_PEER) {
      // Already sent to this node's connections before it was applied (applyPeerUpdate).
      this.deps.onUpdateBytes(update.byteLength, "peer");
      return;
    }
    const local = origin !== FROM_STORE;
    // Redis first: an editor on another node waits for this publish plus a hop, one on
    // this node only for its own send, and every send here is a socket write of its own
    // (a 25-editor room on this node would hold the publish back by 24 writes).
    if (local) this.deps.sync?.publish(this.room, { type: "update", update });
    this.broadcast(encodeUpdate(update), origin);
    if (local) {
      this.deps.onUpdateBytes(update.byteLength, "local");
      this.persister.push(update);
    }
  }

  /** Sends a frame to every connection but `except` (the sender already has its own update). */
  private broadcast(frame: Uint8Array, except: unknown): void {
    for (const conn of this.conns.keys()) if (conn !== except) conn.send(frame);
  }

  private onAwareness(
    changes: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void {
    const changed = [...changes.added, ...changes.updated, ...changes.removed];
    const owned = this.conns.get(origin as DocConnection);
    if (owned) {
      for (const id of changes.added) owned.add(id);
      for (const id of changes.removed) owned.delete(id);
    }
    const frame = encodeAwareness(this.awareness, changed);
    if (frame) for (const conn of this.conns.keys()) conn.send(frame);
    if (origin !== FROM_PEER && changed.length) {
      this.deps.sync?.publish(this.room, {
        type: "awareness",
        update: encodeAwarenessUpdate(this.awareness, changed),
      });
    }
  }

  /**
   * Applies a client's update (already checked to be allowed and well-formed). False
   * when what this doc holds pending grew past `MAX_PENDING_BYTES`: all of it is
   * dropped, and the client must resync.
   */
  applyClientUpdate(update: Uint8Array, conn: DocConnection): boolean {
    const { store } = this.doc;
    Y.applyUpdate(this.doc, update, conn);
    // Yjs keeps what builds on content it lacks pending, to go in with whichever later
    // update brings it: outside the byte and draft budgets, which count what
    // integrates. An honest client sends a little of that: an edit typed on reconnect,
    // before its own offline edits (its sync step 2) are on the way, builds on them.
    // Bounded, so pending cannot grow into memory without end or integrate past the
    // budgets by more than the bound.
    const pending = (store.pendingStructs?.update.length ?? 0) + (store.pendingDs?.length ?? 0);
    if (pending > MAX_PENDING_BYTES) {
      store.pendingStructs = null;
      store.pendingDs = null;
      return false;
    }
    // The title column holds LIMITS.titleMax characters; cutting the doc's title to
    // fit keeps the two equal. Several nodes cutting at once delete the same items.
    const title = this.doc.getText("title");
    if (title.length > LIMITS.titleMax) {
      this.doc.transact(
        () => title.delete(LIMITS.titleMax, title.length - LIMITS.titleMax),
        FROM_SERVER,
      );
    }
    return true;
  }

  /** Recounts `approxBytes` from the encoded state (the budget check calls it near the limit). */
  recountBytes(): number {
    this.approxBytes = Y.encodeStateAsUpdate(this.doc).byteLength;
    return this.approxBytes;
  }

  /** Applies a client's awareness, bound to the connection (see awarenessGuard.ts). */
  applyClientAwareness(update: Uint8Array, conn: DocConnection): void {
    const owned = this.conns.get(conn);
    if (!owned) return;
    const guarded = guardAwarenessUpdate(
      update,
      this.awareness,
      owned,
      (id) => {
        for (const [other, ids] of this.conns) if (other !== conn && ids.has(id)) return true;
        return false;
      },
      { userId: conn.userId, name: conn.name },
    );
    if (guarded) applyAwarenessUpdate(this.awareness, guarded, conn);
  }

  /**
   * Set once a peer's update changed this doc: only then can this copy hold something
   * the database may lack (a peer that died before storing), worth checking at unload.
   */
  hasPeerChanges = false;

  /**
   * Applies what another node sent; nothing is echoed back or stored. This node's
   * connections get the peer's bytes before they are applied, as the sending node's
   * own connections did (it checked them): applying first would put the integration
   * and re-encoding on every cross-node delivery's path. A client integrates what it
   * gets just as this doc does (Yjs keeps an update whose parents are missing pending).
   */
  applyPeerUpdate(update: Uint8Array): void {
    this.broadcast(encodeUpdate(update), null);
    if (!this.hasPeerChanges) {
      // Conservative: a sync reply carries the peer's whole delete set even when it
      // adds nothing; then the unload check merely finds nothing to store.
      const { structs, ds } = Y.decodeUpdate(update);
      this.hasPeerChanges = structs.length > 0 || ds.clients.size > 0;
    }
    Y.applyUpdate(this.doc, update, FROM_PEER);
  }

  applyPeerAwareness(update: Uint8Array): void {
    applyAwarenessUpdate(this.awareness, update, FROM_PEER);
  }

  /** Replaces the whole text of `name` as one server edit, unless it already reads so. */
  replaceText(name: "title" | "draft", value: string): void {
    const text = this.doc.getText(name);
    if (text.toString() === value) return;
    this.doc.transact(() => {
      text.delete(0, text.length);
      if (value) text.insert(0, value);
    }, FROM_SERVER);
  }

  /** Attaches a connection; its awareness states are tracked from its first awareness frame. */
  attach(conn: DocConnection): void {
    this.conns.set(conn, new Set());
  }

  /** Detaches a connection and drops the awareness states it controlled. */
  detach(conn: DocConnection): boolean {
    const owned = this.conns.get(conn);
    if (!owned) return false;
    this.conns.delete(conn);
    if (owned.size && !this.destroyed) removeAwarenessStates(this.awareness, [...owned], null);
    return true;
  }

  destroyed = false;

  destroy(): void {
    this.destroyed = true;
    this.persister?.stop();
    this.title?.stop();
    this.awareness.destroy();
    this.doc.destroy();
  }
}
