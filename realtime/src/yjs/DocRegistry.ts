import { type Logger, toError } from "@engunity/core";
import type { Db } from "@engunity/db";
import { sessionIdOfRoom } from "@engunity/shared";
import { loadDoc, storeWhatPeersMade } from "./docLoading";
import type { DocStore } from "./docStore";
import { PeerSyncHooks } from "./peerSync";
import type { DocSync, PeerMessage } from "./redisDocSync";
import { RoleWatch } from "./roleWatch";
import { type DocConnection, SETTLED, SharedDoc, type SharedDocDeps } from "./SharedDoc";
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
 * The docs this node holds, and their lifecycle: a doc is loaded when the first
 * connection (or server edit) needs it and unloaded when the last one lets go and
 * everything it holds is stored; a failed store keeps it loaded and retries. The rest
 * sits around this small core: loading and storing in `docLoading`, peer sync's hooks
 * in `PeerSyncHooks`, role watching in `RoleWatch`, budgets in `updateBudget` and
 * awareness binding in `awarenessGuard`.
 */
export class DocRegistry {
  private readonly docs = new Map<string, SharedDoc>();
  /** Docs being let go: a new load of the same room waits for the unsubscribe. */
  private readonly closing = new Map<string, Promise<void>>();
  private readonly unloadTimers = new Map<string, NodeJS.Timeout>();
  sync: DocSync | null = null;
  private readonly roles: RoleWatch;
  private readonly peers: PeerSyncHooks;
  /** What every doc is given: one object for all of them, reading `sync` as it is now. */
  private readonly docDeps: SharedDocDeps;

  constructor(private readonly deps: DocRegistryDeps) {
    const registry = this;
    this.docDeps = {
      get sync() {
        return registry.sync;
      },
      onUpdateBytes: deps.onUpdateBytes,
    };
    this.roles = new RoleWatch(this.docs, deps.db, () => this.sync);
    this.peers = new PeerSyncHooks(this.docs, this.roles, () => this.sync, deps.logger);
  }

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
    const shared = new SharedDoc(room, sessionId, this.docDeps);
    shared.title = new TitleMirror(
      shared.doc.getText("title"),
      sessionId,
      deps,
      deps.titleDebounceMs,
    );
    // In the map before the first await, so peer messages arriving during the load
    // are applied (Yjs keeps out-of-order updates pending until their parents come).
    this.docs.set(room, shared);
    deps.onOpenDocsChanged(this.docs.size);
    shared.ready = loadDoc(shared, deps, this.sync)
      .then(() => {
        this.loads += 1;
        // The shared settled promise from now on: this chain is garbage once loaded.
        shared.ready = SETTLED;
      })
      .catch((err) => {
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

  /** Unloads a doc nobody holds once everything it holds is stored. */
  private async tryUnload(shared: SharedDoc): Promise<void> {
    const { room } = shared;
    if (shared.refs > 0 || this.docs.get(room) !== shared || this.unloadTimers.has(room)) return;
    let stored = false;
    try {
      await shared.ready;
      await shared.title.flush();
      stored = await shared.persister.flush();
      if (stored && shared.hasPeerChanges) await storeWhatPeersMade(shared, this.deps.store);
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

  /** Peer sync's hooks (`onPeerMessage`, `resyncAll`). */
  onPeerMessage(room: string, message: PeerMessage, fromNode: string): void {
    this.peers.onPeerMessage(room, message, fromNode);
  }

  resyncAll(): void {
    this.peers.resyncAll();
  }

  /** Role watching (see `RoleWatch`). */
  closeLocal(room: string, userId: string | null): void {
    this.roles.closeLocal(room, userId);
  }

  refreshRoles(): Promise<void> {
    return this.roles.refreshRoles();
  }

  /** Docs loaded so far: a doc loaded during an admission did not hear what came before. */
  private loads = 0;

  /**
   * Moves whenever a role change or eviction is applied here or a doc finishes loading
   * (its room heard from then on). An admission that read the membership before a move
   * re-reads it once its connection is attached (`confirmRole`).
   */
  get trustChanges(): number {
    return this.roles.changes + this.loads;
  }

  confirmRole(shared: SharedDoc, conn: DocConnection): Promise<void> {
    return this.roles.confirm(shared, conn);
  }

  setRole(sessionId: string, userId: string, canWrite: boolean): void {
    this.roles.setRole(sessionId, userId, canWrite);
  }

  evict(sessionId: string, userId: string | null): void {
    this.roles.evict(sessionId, userId);
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
            await storeWhatPeersMade(shared, this.deps.store);
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
