import type { Logger } from "@engunity/core";
import { toError } from "@engunity/core";
import { ForeignKeyConstraintError } from "sequelize";
import * as Y from "yjs";
import type { DocStore } from "./docStore";
import { SETTLED } from "./SharedDoc";

const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5_000;

/**
 * Stores the updates one node made to one doc. Updates are coalesced for a few
 * milliseconds and written as one row. A failed write keeps the updates in memory
 * (in order, ahead of newer ones) and retries with backoff; the doc is not unloaded
 * while anything is unwritten (Hocuspocus `storeDocumentHooks` does the same).
 */
export class DocPersister {
  private pending: Uint8Array[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** The writes in flight; `SETTLED` when there are none. */
  private chain: Promise<void> = SETTLED;
  private failures = 0;
  private stopped = false;
  /** Set once the session is gone: nothing left to store it under. */
  private discarded = false;

  constructor(
    private readonly store: DocStore,
    private readonly room: string,
    private readonly sessionId: string | null,
    /** Rows the doc had when loaded; compaction runs when this grows too large. */
    private rowCount: number,
    /** Shared by every doc of a registry. */
    private readonly hooks: { onPersistFailure(err: unknown): void; logger: Logger },
    private readonly debounceMs = 30,
  ) {}

  /** Queues a local update for storage. */
  push(update: Uint8Array): void {
    if (this.discarded) return;
    this.pending.push(update);
    this.schedule(this.debounceMs);
  }

  /** True once the session is gone and nothing more is stored. */
  get isDiscarded(): boolean {
    return this.discarded;
  }

  /** True while some update is not yet committed. */
  get dirty(): boolean {
    return this.pending.length > 0;
  }

  /** Writes everything pending now; resolves true once nothing is left unwritten. */
  async flush(): Promise<boolean> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.enqueueWrite();
    return !this.dirty;
  }

  /** Drops what is pending (the session was deleted) and stops retrying. */
  discard(): void {
    this.discarded = true;
    this.pending = [];
    this.stop();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delay: number): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.enqueueWrite();
    }, delay);
  }

  /** Queues one write after those in flight; never rejects. */
  private enqueueWrite(): Promise<void> {
    const next = this.chain.then(async () => {
      await this.writeOnce();
      if (this.chain === next) this.chain = SETTLED;
    });
    this.chain = next;
    return next;
  }

  /** One write of everything pending; never rejects. */
  private async writeOnce(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const merged = batch.length === 1 ? batch[0]! : Y.mergeUpdates(batch);
    try {
      await this.store.append(this.room, this.sessionId, merged);
      this.failures = 0;
      this.rowCount += 1;
    } catch (err) {
      if (err instanceof ForeignKeyConstraintError) {
        // The session was deleted under us; its doc went with it.
        this.discard();
        return;
      }
      this.pending = [merged, ...this.pending];
      this.failures += 1;
      this.hooks.onPersistFailure(err);
      this.hooks.logger.warn(
        { err: toError(err).message, room: this.room, failures: this.failures },
        "storing a yjs update failed; kept in memory, retrying",
      );
      this.schedule(Math.min(RETRY_MIN_MS * 2 ** (this.failures - 1), RETRY_MAX_MS));
      return;
    }
    if (this.store.needsCompaction(this.rowCount)) await this.compact();
  }

  private async compact(): Promise<void> {
    try {
      const stored = await this.store.load(this.room);
      await this.store.compact(this.room, this.sessionId, stored);
      this.rowCount = 1;
    } catch (err) {
      // Rows are still all there; the next write tries again.
      this.hooks.logger.warn(
        { err: toError(err).message, room: this.room },
        "yjs compaction failed",
      );
    }
  }
}
