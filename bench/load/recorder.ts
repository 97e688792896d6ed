/**
 * What the load test counts: operations, errors, latencies and what must arrive, per
 * measured window (a ramp step or the soak), and the window each send belongs to, so
 * a delivery that lands after its window closed is still credited to it.
 */
import { performance } from "node:perf_hooks";

/** Members of a simulated room; each plays the role its place gives it (`roleOf`). */
export const ROOM = 20;
/** An operation that takes longer counts as a timeout, an error. */
export const OP_TIMEOUT_MS = 10_000;

export type Role = "viewer" | "sender" | "asker" | "editor" | "uploader";
/** Per room: 1 AI asker, 4 senders, 2 Yjs co-editors (members 5 and 6), 1 uploader, 12 viewers. */
export const roleOf = (i: number): Role =>
  i === 0 ? "asker" : i <= 4 ? "sender" : i <= 6 ? "editor" : i === 7 ? "uploader" : "viewer";

export type OpKind =
  | "message ack"
  | "message delivery"
  | "AI first token"
  | "Yjs propagation"
  | "upload";

/** Counters of one measured window. */
export class Window {
  ops = 0;
  errors = 0;
  latencies = new Map<OpKind, number[]>();
  /** clientId → when it was acked. */
  acked = new Map<string, number>();
  delivered = new Map<string, number>();
  asked = 0;
  answered = 0;
  yjsSent = 0;
  yjsSeen = 0;
  record(kind: OpKind, ms: number) {
    const list = this.latencies.get(kind) ?? [];
    if (!list.length) this.latencies.set(kind, list);
    list.push(ms);
  }
}

/** The window being measured now, and which window each send (clientId, Yjs marker) went out in. */
export class Recorder {
  win = new Window();
  private readonly sentIn = new Map<string, Window>();

  /** Closes the current window and opens a fresh one; returns the closed one. */
  next(): Window {
    const closed = this.win;
    this.win = new Window();
    return closed;
  }

  /** Marks `id` as sent in the current window; returns that window. */
  sent(id: string): Window {
    this.sentIn.set(id, this.win);
    return this.win;
  }

  /** The window `id` was sent in (the current one if unknown). */
  windowOf(id: string): Window {
    return this.sentIn.get(id) ?? this.win;
  }

  /** A timed operation: counted, its latency kept, an error or a timeout counted against its window. */
  async op(kind: OpKind, fn: () => Promise<boolean>): Promise<void> {
    const w = this.win;
    w.ops += 1;
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const ok = await Promise.race([
        fn(),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), OP_TIMEOUT_MS);
        }),
      ]);
      if (ok) w.record(kind, performance.now() - t0);
      else w.errors += 1;
    } catch {
      w.errors += 1;
    } finally {
      clearTimeout(timer);
    }
  }
}
