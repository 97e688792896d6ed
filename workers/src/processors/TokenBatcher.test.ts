import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TokenBatcher } from "./TokenBatcher";

/** A batcher whose batches are kept with the (fake) time each went out. */
function recorded(intervalMs: number) {
  const batches: { text: string; at: number }[] = [];
  const batcher = new TokenBatcher(intervalMs, async (text) => {
    batches.push({ text, at: Date.now() });
  });
  return { batcher, batches, t0: Date.now() };
}

/** Time is the subject here: the clock is vitest's, moved by hand. */
describe("TokenBatcher", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends the first text at once, then coalesces tokens pushed within one window into one batch, in order", async () => {
    const batches: string[] = [];
    const batcher = new TokenBatcher(20, async (text) => {
      batches.push(text);
    });
    batcher.push("first");
    // Leading edge: out before any window has run, on the next microtask.
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toEqual(["first"]);
    batcher.push("a");
    await vi.advanceTimersByTimeAsync(10);
    batcher.push("b");
    batcher.push("c");
    // The window started at "a": nothing goes out before it ends...
    await vi.advanceTimersByTimeAsync(9);
    expect(batches).toEqual(["first"]);
    // ...and everything pushed within it goes out together when it does.
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual(["first", "abc"]);
    batcher.push("d");
    await batcher.flush();
    expect(batches).toEqual(["first", "abc", "d"]);
    await batcher.flush();
    expect(batches).toEqual(["first", "abc", "d"]);
  });

  it("sends a batch on its last token when the next is not expected inside the window", async () => {
    const { batcher, batches, t0 } = recorded(30);
    // A steady stream, a token every 20 ms, against a 30 ms window.
    batcher.push("t0");
    for (let i = 1; i <= 4; i++) {
      await vi.advanceTimersByTimeAsync(20);
      batcher.push(`t${i}`);
    }
    await vi.advanceTimersByTimeAsync(0);
    // t1 opens a window at 20 ms; t2 at 40 ms is its last (t3 is due at 60, past 50):
    // out at 40 ms, not when the window runs out. t3 opens the next, t4 closes it.
    expect(batches).toEqual([
      { text: "t0", at: t0 },
      { text: "t1t2", at: t0 + 40 },
      { text: "t3t4", at: t0 + 80 },
    ]);
  });

  it("sends tokens slower than the window one by one, at once", async () => {
    const { batcher, batches, t0 } = recorded(30);
    batcher.push("a");
    await vi.advanceTimersByTimeAsync(50);
    batcher.push("b");
    await vi.advanceTimersByTimeAsync(50);
    batcher.push("c");
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([
      { text: "a", at: t0 },
      { text: "b", at: t0 + 50 },
      { text: "c", at: t0 + 100 },
    ]);
  });

  it("still coalesces a burst after a pause: a near-zero gap holds the batch to its window", async () => {
    const { batcher, batches, t0 } = recorded(30);
    batcher.push("a");
    await vi.advanceTimersByTimeAsync(100);
    // After a long pause the first token goes at once (nothing else is expected soon)…
    batcher.push("b");
    await vi.advanceTimersByTimeAsync(1);
    // …and a burst right behind it, as providers send several chunks in one read.
    for (const t of ["c", "d", "e"]) batcher.push(t);
    await vi.advanceTimersByTimeAsync(28);
    // f, 28 ms after the burst, is the window's last (the next is expected past its end): out with it.
    batcher.push("f");
    await vi.advanceTimersByTimeAsync(30);
    expect(batches).toEqual([
      { text: "a", at: t0 },
      { text: "b", at: t0 + 100 },
      { text: "cdef", at: t0 + 129 },
    ]);
  });

  it("runs the sink one batch at a time even when a batch is slow", async () => {
    const order: string[] = [];
    let finishX!: () => void;
    const batcher = new TokenBatcher(1, async (text) => {
      order.push(`start ${text}`);
      if (text === "x") await new Promise<void>((r) => (finishX = r));
      order.push(`end ${text}`);
    });
    batcher.push("x");
    await vi.advanceTimersByTimeAsync(0);
    batcher.push("y");
    // y's window ends while x is still in the sink: y waits for it.
    await vi.advanceTimersByTimeAsync(5);
    expect(order).toEqual(["start x"]);
    finishX();
    await batcher.flush();
    expect(order).toEqual(["start x", "end x", "start y", "end y"]);
  });

  it("reports a sink failure on flush", async () => {
    const batcher = new TokenBatcher(1, async () => {
      throw new Error("redis down");
    });
    batcher.push("x");
    await expect(batcher.flush()).rejects.toThrow("redis down");
  });
});
