import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../index";
import { createEventRecorder } from "./eventRecorder";

/** Batched failure events: one INSERT per flush, a failed write kept for the next, pruning. */
describe("event recorder", () => {
  let db: Db;
  beforeAll(async () => {
    db = createDb({ sqlitePath: ":memory:" });
    await db.migrate();
  });
  afterAll(() => db.close());

  it("writes queued events in one batch and keeps a batch whose write failed", async () => {
    const recorder = createEventRecorder(db, { flushMs: 60_000, retentionDays: 1 });
    recorder.record({ kind: "auth_failure", detail: "login" });
    recorder.record({ kind: "db_error", detail: "unavailable" });
    expect(await db.models.AppEvent.count()).toBe(0); // nothing written on the request path
    // A real failed write: the table is away for a moment.
    await db.sequelize.query("ALTER TABLE app_events RENAME TO app_events_away");
    expect(await recorder.flush()).toBe(false);
    await db.sequelize.query("ALTER TABLE app_events_away RENAME TO app_events");
    expect(await recorder.flush()).toBe(true);
    expect(await db.models.AppEvent.count()).toBe(2);
    await db.models.AppEvent.create({
      kind: "auth_failure",
      detail: "old",
      provider: null,
      userId: null,
      createdAt: new Date(Date.now() - 2 * 86_400_000),
    });
    expect(await recorder.prune()).toBe(1);
    expect(await db.models.AppEvent.count()).toBe(2);
    await recorder.close();
  });
});
