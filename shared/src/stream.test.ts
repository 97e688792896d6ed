import { describe, expect, it } from "vitest";
import { applyDelta, applyDeltas, applySnapshot, type StreamState } from "./stream";

describe("applyDelta", () => {
  it("appends the next seq, drops stale ones, reports a gap", () => {
    let r = applyDelta(undefined, { epoch: 1, seq: 1, text: "a" });
    expect(r).toEqual({ outcome: "applied", state: { epoch: 1, seq: 1, text: "a" } });
    r = applyDelta(r.state, { epoch: 1, seq: 2, text: "b" });
    expect(r.state.text).toBe("ab");
    expect(applyDelta(r.state, { epoch: 1, seq: 2, text: "b" }).outcome).toBe("stale");
    expect(applyDelta(r.state, { epoch: 1, seq: 1, text: "a" }).outcome).toBe("stale");
    const gap = applyDelta(r.state, { epoch: 1, seq: 4, text: "d" });
    expect(gap).toEqual({ outcome: "gap", state: r.state });
  });

  it("starts over on a newer epoch and ignores the older one afterwards", () => {
    const old: StreamState = { epoch: 1, seq: 3, text: "abc" };
    expect(applyDelta(old, { epoch: 2, seq: 2, text: "y" }).outcome).toBe("gap");
    const fresh = applyDelta(old, { epoch: 2, seq: 1, text: "x" });
    expect(fresh.state).toEqual({ epoch: 2, seq: 1, text: "x" });
    expect(applyDelta(fresh.state, { epoch: 1, seq: 4, text: "d" }).outcome).toBe("stale");
  });

  it("takes a snapshot only when it is newer", () => {
    const s: StreamState = { epoch: 1, seq: 3, text: "abc" };
    expect(applySnapshot(s, { epoch: 1, seq: 2, text: "ab" }).outcome).toBe("stale");
    expect(applySnapshot(s, { epoch: 1, seq: 5, text: "abcde" }).state.seq).toBe(5);
    expect(applySnapshot(s, { epoch: 2, seq: 1, text: "z" }).state).toEqual({
      epoch: 2,
      seq: 1,
      text: "z",
    });
  });

  it("applies a log run up to its first gap", () => {
    const r = applyDeltas({ epoch: 1, seq: 1, text: "a" }, 1, [
      { seq: 1, text: "a" },
      { seq: 2, text: "b" },
      { seq: 4, text: "d" },
    ]);
    expect(r).toEqual({ outcome: "gap", state: { epoch: 1, seq: 2, text: "ab" } });
  });
});

/** mulberry32: a small seeded PRNG, so a failing schedule can be replayed by its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Emitted {
  epoch: number;
  seq: number;
  text: string;
}

/**
 * One seeded schedule: a generation retried over several epochs, its batches delivered
 * late, twice, out of order or never; the client resumes from the log on every gap, as
 * the web app, the SSE route and the tests' viewer do.
 */
function runSchedule(seed: number): { final: StreamState; expected: string; epoch: number } {
  const random = rng(seed);
  const epochs = 1 + Math.floor(random() * 3);
  const timeline: Emitted[] = [];
  const fullText = new Map<number, string>();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const n = 1 + Math.floor(random() * 12);
    let text = "";
    for (let seq = 1; seq <= n; seq++) {
      const piece = `${epoch}.${seq} `;
      text += piece;
      timeline.push({ epoch, seq, text: piece });
    }
    fullText.set(epoch, text);
  }
  // The resume log holds the current epoch's batches emitted so far.
  const logAt = (t: number) => {
    const last = timeline[Math.min(t, timeline.length - 1)]!;
    return {
      epoch: last.epoch,
      deltas: timeline.slice(0, t + 1).filter((b) => b.epoch === last.epoch),
    };
  };
  const arrivals: { at: number; batch: Emitted }[] = [];
  timeline.forEach((batch, t) => {
    if (random() < 0.15) return; // lost
    arrivals.push({ at: t + random() * 4, batch });
    if (random() < 0.15) arrivals.push({ at: t + random() * 6, batch }); // duplicated
  });
  arrivals.sort((a, b) => a.at - b.at);

  let state: StreamState | undefined;
  const resume = (t: number) => {
    const log = logAt(t);
    const after = state && state.epoch === log.epoch ? state.seq : 0;
    state = applyDeltas(
      state,
      log.epoch,
      log.deltas.filter((d) => d.seq > after),
    ).state;
  };
  for (const { at, batch } of arrivals) {
    const r = applyDelta(state, batch);
    if (r.outcome === "applied") state = r.state;
    else if (r.outcome === "gap") resume(Math.floor(at));
    const s = state;
    if (s) {
      // Never a wrong character on screen: always a prefix of its epoch's answer.
      expect(fullText.get(s.epoch)!.startsWith(s.text)).toBe(true);
    }
  }
  resume(timeline.length - 1); // the final catch-up (join ack or `ai:done`)
  return { final: state!, expected: fullText.get(epochs)!, epoch: epochs };
}

describe("applyDelta over seeded random schedules", () => {
  it("ends every schedule on the last epoch's exact text", () => {
    for (let seed = 1; seed <= 2_000; seed++) {
      const { final, expected, epoch } = runSchedule(seed);
      expect({ seed, epoch: final.epoch, text: final.text }).toEqual({
        seed,
        epoch,
        text: expected,
      });
    }
  });
});
