import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TokenBatcher } from "./TokenBatcher";

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
