import { can, type Logger, toError } from "@engunity/core";
import type { Db } from "@engunity/db";
import { sessionIdOfRoom, yjsRoom } from "@engunity/shared";
import { ForeignKeyConstraintError } from "sequelize";
import { encodeAwarenessUpdate } from "y-protocols/awareness";
import * as Y from "yjs";
import { DocPersister } from "./DocPersister";
import type { DocStore } from "./docStore";
import type { DocSync, PeerMessage } from "./redisDocSync";
import { FROM_SERVER, FROM_STORE, SharedDoc } from "./SharedDoc";
import { TitleMirror } from "./TitleMirror";

export interface DocRegistryDeps {
  db: Db;
  store: DocStore;
  logger: Logger;
  /** Writes the mirrored title and announces it when it changed. */
  writeTitle(sessionId: string, title: string): Promise<void>;
  onPersistFailure(): void;
  onUpdateBytes(bytes: number, source: "local" | "peer"): void;
  onOpenDocsChanged(count: number): void;
  titleDebounceMs?: number;
}

const UNLOAD_RETRY_MS = 1_000;

/**
 * The docs this node holds. A doc is loaded when the first connection (or server
 * edit) needs it and unloaded when the last one lets go and everything it holds is
 * stored; a failed store keeps it loaded and retries.
 */
export class DocRegistry {
  private readonly docs = new Map<string, SharedDoc>();
  /** Docs being let go: a new load of the same room waits for the unsubscribe. */
  private readonly closing = new Map<string, Promise<void>>();
  private readonly unloadTimers = new Map<string, NodeJS.Timeout>();
  sync: DocSync | null = null;

  constructor(private readonly deps: DocRegistryDeps) {}

  get size(): number {
    return this.docs.size;
  }

  /** The loaded doc of a room, if this node holds it. */
  get(room: string): SharedDoc | undefined {
    return this.docs.get(room);
  }

  /** Takes a reference on a room's doc, loading it first if needed. Pair with `release`. */
  async acquire(room: string): Promise<SharedDoc> {
    for (;;) {
      const pending = this.closing.get(room);
      if (pending) await pending;
      let shared = this.docs.get(room);
      if (!shared) {
        if (this.closing.has(room)) continue;
        shared = this.open(room);
      }
      shared.refs += 1;
      try {
        await shared.ready;
      } catch (err) {
        shared.refs -= 1;
        throw err;
      }
      return shared;
    }
  }

  release(shared: SharedDoc): void {
    shared.refs -= 1;
    if (shared.refs === 0) void this.tryUnload(shared);
  }

  /** Runs `fn` on a room's doc, loading it for the while if no one holds it. */
  async withDoc<T>(room: string, fn: (shared: SharedDoc) => T): Promise<T> {
    const shared = await this.acquire(room);
    try {
      return fn(shared);
    } finally {
      this.release(shared);
    }
  }

  private open(room: string): SharedDoc {
    const sessionId = sessionIdOfRoom(room);
    if (!sessionId) throw new Error(`not a session room: ${room}`);
    const { deps } = this;
    const shared = new SharedDoc(room, sessionId, {
      sync: this.sync,
      onUpdateBytes: deps.onUpdateBytes,
    });
    shared.title = new TitleMirror(
      () => shared.doc.getText("title").toString(),
      (title) => deps.writeTitle(sessionId, title),
      deps.logger,
      deps.titleDebounceMs,
    );
    // In the map before the first await, so peer messages arriving during the load
    // are applied (Yjs keeps out-of-order updates pending until their parents come).
    this.docs.set(room, shared);
    deps.onOpenDocsChanged(this.docs.size);
    shared.ready = this.load(shared).catch((err) => {
      // Through `drop`, so a new load of the room waits for this unsubscribe.
      if (this.docs.get(room) === shared) this.drop(shared);
      throw err;
    });
    // Callers that await `ready` still see the failure; this only keeps a load that no
    // one awaits (a peer message opened the doc) from becoming an unhandled rejection,
    // which would end the process while the database is down.
    shared.ready.catch((err) => deps.logger.warn({ err, room }, "yjs doc failed to load"));
    return shared;
  }

  private async load(shared: SharedDoc): Promise<void> {
    const { room, sessionId } = shared;
    // Subscribe before reading, so nothing published after the read is missed. With
    // Redis down the doc still works on this node; the resync after Redis returns
    // subscribes it.
    await this.sync?.subscribe(room).catch((err: Error) => {
      shared.unsubscribed = true;
      this.deps.logger.warn(
        { err: err.message, room },
        "yjs subscribe failed; doc is local until Redis returns",
      );
    });
    const stored = await this.deps.store.load(room);
    shared.persister = new DocPersister(this.deps.store, room, sessionId, stored.ids.length, {
      onFailure: this.deps.onPersistFailure,
      logger: this.deps.logger,
    });
    if (stored.update) {
      Y.applyUpdate(shared.doc, stored.update, FROM_STORE);
      if (this.deps.store.needsCompaction(stored.ids.length)) {
        void this.deps.store
          .compact(room, sessionId, stored)
          .catch((err) =>
            this.deps.logger.warn({ err: err.message, room }, "yjs compaction failed"),
          );
      }
    } else {
      await this.seedTitle(shared);
    }
    this.sync?.publish(room, { type: "syncRequest", stateVector: Y.encodeStateVector(shared.doc) });
  }

  /**
   * A doc with no rows yet starts from the session's title. Made by a client id
   * derived from session and title, so two nodes seeding at once make the very same
   * insert, which Yjs merges into one.
   */
  private async seedTitle(shared: SharedDoc): Promise<void> {
    const session = await this.deps.db.models.ChatSession.findByPk(shared.sessionId, {
      attributes: ["id", "title"],
    });
    const title = session?.title ?? "";
    if (!title) return;
    const seed = new Y.Doc();
    seed.clientID = seedClientId(`${shared.sessionId}\u0000${title}`);
    seed.getText("title").insert(0, title);
    Y.applyUpdate(shared.doc, Y.encodeStateAsUpdate(seed), FROM_SERVER);
    seed.destroy();
  }

  /** Unloads a doc nobody holds once everything it holds is stored. */
  private async tryUnload(shared: SharedDoc): Promise<void> {
    const { room } = shared;
    if (shared.refs > 0 || this.docs.get(room) !== shared || this.unloadTimers.has(room)) return;
    let stored = false;
    try {
      await shared.ready;
      await shared.title.flush();
      stored = await shared.persister.flush();
      if (stored && shared.hasPeerChanges) await this.storeWhatPeersMade(shared);
    } catch (err) {
      stored = false;
      this.deps.logger.warn({ err: toError(err).message, room }, "yjs unload: store failed");
    }
    if (shared.refs > 0 || this.docs.get(room) !== shared) return;
    if (!stored) {
      this.unloadTimers.set(
        room,
        setTimeout(() => {
          this.unloadTimers.delete(room);
          void this.tryUnload(shared);
        }, UNLOAD_RETRY_MS),
      );
      return;
    }
    this.drop(shared);
  }

  /**
   * Peers store their own updates; if one died before storing, its update lives on
   * only here. Before letting go, store whatever the database lacks.
   */
  private async storeWhatPeersMade(shared: SharedDoc): Promise<void> {
    if (shared.persister.isDiscarded) return;
    const rows = await this.deps.store.load(shared.room);
    const storedDoc = new Y.Doc();
    if (rows.update) Y.applyUpdate(storedDoc, rows.update);
    if (!Y.equalSnapshots(Y.snapshot(storedDoc), Y.snapshot(shared.doc))) {
      const missing = Y.encodeStateAsUpdate(shared.doc, Y.encodeStateVector(storedDoc));
      try {
        await this.deps.store.append(shared.room, shared.sessionId, missing);
      } catch (err) {
        // The session was deleted meanwhile: nothing left to store the doc under.
        if (!(err instanceof ForeignKeyConstraintError)) throw err;
        shared.persister.discard();
      }
    }
    storedDoc.destroy();
  }

  private drop(shared: SharedDoc): void {
    const { room } = shared;
    this.docs.delete(room);
    this.deps.onOpenDocsChanged(this.docs.size);
    shared.destroy();
    if (!this.sync) return;
    const done = this.sync
      .unsubscribe(room)
      .catch(() => {})
      .finally(() => this.closing.delete(room));
    this.closing.set(room, done);
  }

  /** A message from another node about a room. */
  onPeerMessage(room: string, message: PeerMessage, fromNode: string): void {
    const shared = this.docs.get(room);
    if (!shared) return;
    switch (message.type) {
      case "update":
        shared.applyPeerUpdate(message.update);
        return;
      case "awareness":
        shared.applyPeerAwareness(message.update);
        return;
      case "syncRequest": {
        // Only a loaded doc can answer; one still loading would answer with less.
        void shared.ready.then(
          () => {
            if (this.docs.get(room) !== shared) return;
            this.sync?.publish(room, {
              type: "syncReply",
              to: fromNode,
              update: Y.encodeStateAsUpdate(shared.doc, message.stateVector),
              awareness: encodeAwarenessUpdateOrNull(shared),
              stateVector: Y.encodeStateVector(shared.doc),
            });
          },
          () => {},
        ); // a doc that failed to load answers nothing; the load logged why
        return;
      }
      case "syncReply":
        if (message.to !== this.sync?.nodeId) return;
        shared.applyPeerUpdate(message.update);
        if (message.awareness) shared.applyPeerAwareness(message.awareness);
        this.sendWhatPeerLacks(shared, message.stateVector);
        return;
      case "evict":
        this.closeLocal(room, message.userId);
        return;
    }
  }

  /** Publishes the structs a peer with `stateVector` lacks, if any. */
  private sendWhatPeerLacks(shared: SharedDoc, stateVector: Uint8Array): void {
    const diff = Y.encodeStateAsUpdate(shared.doc, stateVector);
    const { structs, ds } = Y.decodeUpdate(diff);
    // Deletions leave no trace in a state vector: send them whenever there are any.
    if (structs.length === 0 && ds.clients.size === 0) return;
    this.sync?.publish(shared.room, { type: "update", update: diff });
  }

  /** Redis came back: ask every peer for what this node may have missed. */
  resyncAll(): void {
    for (const shared of this.docs.values()) {
      void (async () => {
        if (shared.unsubscribed) {
          await this.sync?.subscribe(shared.room);
          shared.unsubscribed = false;
        }
        this.sync?.publish(shared.room, {
          type: "syncRequest",
          stateVector: Y.encodeStateVector(shared.doc),
        });
      })().catch((err: Error) => this.deps.logger.warn({ err: err.message }, "yjs resync failed"));
    }
  }

  /**
   * Closes a user's connections to a session's doc (all connections when `userId` is
   * null: the session was deleted, and nothing of it is stored any more).
   */
  closeLocal(room: string, userId: string | null): void {
    const shared = this.docs.get(room);
    if (!shared) return;
    if (userId === null) shared.persister?.discard();
    for (const conn of [...shared.conns.keys()]) {
      if (userId === null || conn.userId === userId) conn.close(4403, "removed from the session");
    }
  }

  /**
   * Re-reads the roles of everyone connected (one query per open doc): a member
   * demoted to viewer stops writing, one removed behind our back is closed. Removal
   * through the app is immediate (evict); this bounds what a missed evict can cost.
   */
  async refreshRoles(): Promise<void> {
    for (const shared of [...this.docs.values()]) {
      if (shared.conns.size === 0) continue;
      const members = await this.deps.db.models.SessionMember.findAll({
        where: { sessionId: shared.sessionId },
        attributes: ["userId", "role"],
        raw: true,
      });
      const roles = new Map(members.map((m) => [m.userId, m.role]));
      for (const conn of [...shared.conns.keys()]) {
        const role = roles.get(conn.userId);
        if (!role) conn.close(4403, "removed from the session");
        else conn.canWrite = can(role, "write");
      }
    }
  }

  evict(sessionId: string, userId: string | null): void {
    const room = yjsRoom(sessionId);
    this.closeLocal(room, userId);
    this.sync?.publish(room, { type: "evict", userId });
  }

  /** Stores every doc and lets it go (shutdown). Gives up on a doc after `timeoutMs`. */
  async closeAll(timeoutMs: number): Promise<void> {
    for (const timer of this.unloadTimers.values()) clearTimeout(timer);
    this.unloadTimers.clear();
    const deadline = Date.now() + timeoutMs;
    await Promise.all(
      [...this.docs.values()].map(async (shared) => {
        try {
          await shared.ready;
          await shared.title.flush();
          while (!(await shared.persister.flush()) && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 100));
          }
          if (shared.persister.dirty) {
            this.deps.logger.error({ room: shared.room }, "yjs doc not stored at shutdown");
          } else if (shared.hasPeerChanges) {
            await this.storeWhatPeersMade(shared);
          }
        } catch (err) {
          this.deps.logger.error(
            { err: toError(err).message, room: shared.room },
            "yjs doc not stored at shutdown",
          );
        }
        this.drop(shared);
      }),
    );
    await Promise.all(this.closing.values());
  }
}

/** Every awareness state this node knows of a doc, as one update (null when none). */
function encodeAwarenessUpdateOrNull(shared: SharedDoc): Uint8Array | null {
  const clients = [...shared.awareness.getStates().keys()];
  return clients.length ? encodeAwarenessUpdate(shared.awareness, clients) : null;
}

/** FNV-1a, as a Yjs client id (a uint32). */
function seedClientId(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
