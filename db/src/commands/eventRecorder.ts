import { Op } from "sequelize";
import type { Db } from "../index";
import type { AppEventKind } from "../models/AppEvent";

/** One event to record; `at` defaults to now. */
export interface NewAppEvent {
  kind: AppEventKind;
  detail?: string;
  provider?: string | null;
  userId?: string | null;
  at?: Date;
}

export interface EventRecorder {
  /** Queues an event; never throws, never waits on the database. */
  record(event: NewAppEvent): void;
  /** Writes what is queued now (one INSERT). Resolves false when the write failed. */
  flush(): Promise<boolean>;
  /** Deletes events older than the retention. Resolves to how many went. */
  prune(): Promise<number>;
  /** Stops the timers and writes what is left. */
  close(): Promise<void>;
}

export interface EventRecorderOptions {
  /** How often queued events are written, in ms. */
  flushMs?: number;
  /** Events kept at most while the database is unreachable; the oldest go first. */
  maxQueued?: number;
  /** Days an event is kept. */
  retentionDays?: number;
  /** How often old events are pruned, in ms. */
  pruneMs?: number;
  onError?: (err: unknown) => void;
}

/**
 * Failure events (auth failures, database errors, AI failures) written in batches: a
 * request that fails only appends to an array, and a timer writes the array in one
 * multi-row INSERT. A failed write keeps the batch for the next try (bounded), so a
 * database outage is still counted once the database is back.
 */
export function createEventRecorder(db: Db, opts: EventRecorderOptions = {}): EventRecorder {
  const flushMs = opts.flushMs ?? 2000;
  const maxQueued = opts.maxQueued ?? 10_000;
  const retentionMs = (opts.retentionDays ?? 90) * 86_400_000;
  let queue: NewAppEvent[] = [];
  let writing: Promise<boolean> | null = null;

  const flush = async (): Promise<boolean> => {
    if (writing) await writing;
    if (queue.length === 0) return true;
    const batch = queue;
    queue = [];
    writing = db.models.AppEvent.bulkCreate(
      batch.map((e) => ({
        kind: e.kind,
        detail: (e.detail ?? "").slice(0, 64),
        provider: e.provider?.slice(0, 32) ?? null,
        userId: e.userId ?? null,
        createdAt: e.at ?? new Date(),
      })),
    ).then(
      () => true,
      (err: unknown) => {
        queue = [...batch, ...queue].slice(-maxQueued);
        opts.onError?.(err);
        return false;
      },
    );
    const ok = await writing;
    writing = null;
    return ok;
  };

  const prune = async (): Promise<number> =>
    db.models.AppEvent.destroy({
      where: { createdAt: { [Op.lt]: new Date(Date.now() - retentionMs) } },
    });

  const flushTimer = setInterval(() => void flush(), flushMs);
  flushTimer.unref();
  const pruneTimer = setInterval(
    () => void prune().catch((err: unknown) => opts.onError?.(err)),
    opts.pruneMs ?? 3_600_000,
  );
  pruneTimer.unref();

  return {
    record(event) {
      queue.push({ ...event, at: event.at ?? new Date() });
      if (queue.length > maxQueued) queue.shift();
    },
    flush,
    prune,
    async close() {
      clearInterval(flushTimer);
      clearInterval(pruneTimer);
      await flush();
    },
  };
}
