import { applyDelta, applySnapshot, type GenerationSnapshot, type Message } from "@engunity/shared";
import { type ClientSocket, emitAck } from "../support/sockets";

export interface Batch {
  epoch: number;
  seq: number;
  text: string;
}

/** One generation as a client renders it. */
export interface Rendering {
  epoch: number;
  lastSeq: number;
  text: string;
  /** Batches applied in the current epoch, in order. */
  batches: Batch[];
  /** Batches dropped because `seq <= lastSeq` (expected after a catch-up, never applied). */
  dropped: number;
  /** A seq that skipped ahead (a missing batch): must stay 0. */
  gaps: number;
  /** Times a newer epoch reset the text. */
  resets: number;
  done?: Message;
}

/**
 * What a well-behaved client does with `ai:*` events (PROTOCOL), through the same
 * `applyDelta` rule the web app uses: a newer epoch resets the text, `seq <= lastSeq`
 * is dropped, a gap is counted and not applied, the join ack and `ai:resume` fill what
 * was missed. Tests compare its renderings with each other and the database.
 */
export class AiViewer {
  readonly gens = new Map<string, Rendering>();
  readonly deltaWaiters = new Set<() => void>();
  /** While a resume is in flight, live batches wait here so none is applied out of order. */
  private held: { messageId: string; batch: Batch }[] | null = null;

  constructor(public socket: ClientSocket) {
    this.attach(socket);
  }

  attach(socket: ClientSocket): void {
    this.socket = socket;
    socket.on("ai:start", (e) => {
      const g = this.gen(e.messageId);
      if (e.epoch > g.epoch) this.reset(g, e.epoch);
    });
    socket.on("ai:delta", (e) => {
      if (this.held) this.held.push({ messageId: e.messageId, batch: e });
      else this.apply(e.messageId, e);
    });
    // A revised answer (regenerate, continue, edit) streams again: start it afresh.
    socket.on("message:updated", (e) => {
      if (e.message.status === "streaming") this.gens.delete(e.message.id);
      for (const w of this.deltaWaiters) w();
    });
    socket.on("ai:done", (e) => {
      this.gen(e.message.id).done = e.message;
      for (const w of this.deltaWaiters) w();
    });
  }

  gen(messageId: string): Rendering {
    let g = this.gens.get(messageId);
    if (!g) {
      g = { epoch: 0, lastSeq: 0, text: "", batches: [], dropped: 0, gaps: 0, resets: 0 };
      this.gens.set(messageId, g);
    }
    return g;
  }

  private reset(g: Rendering, epoch: number): void {
    if (g.epoch !== 0) g.resets++;
    g.epoch = epoch;
    g.lastSeq = 0;
    g.text = "";
    g.batches = [];
  }

  /** Applies one batch through the shared stream rule, counting what it refused. */
  apply(messageId: string, b: Batch): void {
    const g = this.gen(messageId);
    const r = applyDelta({ epoch: g.epoch, seq: g.lastSeq, text: g.text }, b);
    if (r.outcome === "stale") {
      if (b.epoch === g.epoch) g.dropped++;
      return;
    }
    if (r.outcome === "gap") {
      g.gaps++;
      return;
    }
    if (r.state.epoch !== g.epoch) this.reset(g, r.state.epoch);
    g.lastSeq = r.state.seq;
    g.text = r.state.text;
    g.batches.push({ epoch: b.epoch, seq: b.seq, text: b.text });
    for (const w of this.deltaWaiters) w();
  }

  /** Takes the join ack's snapshot of running generations. */
  fromSnapshot(snapshots: GenerationSnapshot[]): void {
    for (const s of snapshots) {
      const g = this.gen(s.messageId);
      const r = applySnapshot({ epoch: g.epoch, seq: g.lastSeq, text: g.text }, s);
      if (r.outcome !== "applied") continue;
      if (r.state.epoch !== g.epoch) this.reset(g, r.state.epoch);
      g.text = r.state.text;
      g.lastSeq = r.state.seq;
      g.batches = [{ epoch: s.epoch, seq: s.seq, text: s.text }];
    }
  }

  /**
   * Holds live batches (a join or resume is in flight: its answer covers what came
   * before it, and live batches may overtake it on the wire).
   */
  hold(): void {
    this.held ??= [];
  }

  /** Applies the held batches in arrival order; those the catch-up covered are dropped. */
  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const h of held) this.apply(h.messageId, h.batch);
    for (const w of this.deltaWaiters) w();
  }

  /** `ai:resume` from the last seq seen, applying what comes back before any live batch. */
  async resume(sessionId: string, messageId: string): Promise<void> {
    const g = this.gen(messageId);
    this.hold();
    try {
      const ack = await emitAck(this.socket, "ai:resume", {
        sessionId,
        messageId,
        afterSeq: g.lastSeq,
      });
      if (!ack.ok) throw new Error(`resume failed: ${JSON.stringify(ack)}`);
      for (const d of ack.deltas)
        this.apply(messageId, { epoch: ack.epoch, seq: d.seq, text: d.text });
      if (ack.done) g.done = ack.done;
    } finally {
      this.release();
    }
  }

  /** Resolves when `check` holds, re-checked on every applied batch or done. */
  until(check: () => boolean, timeoutMs = 10_000, what = "viewer state"): Promise<void> {
    return new Promise((resolve, reject) => {
      const test = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.deltaWaiters.delete(test);
        resolve();
      };
      const timer = setTimeout(() => {
        this.deltaWaiters.delete(test);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.deltaWaiters.add(test);
      test();
    });
  }
}
