import { describe, expect, it } from "vitest";
import { TokenBatcher } from "./TokenBatcher";

describe("TokenBatcher", () => {
  it("sends the first text at once, then coalesces tokens pushed within one window into one batch, in order", async () => {
    const batches: string[] = [];
    let release!: () => void;
    let second = new Promise<void>((r) => {
      release = r;
    });
    const batcher = new TokenBatcher(20, async (text) => {
      batches.push(text);
      release();
    });
    batcher.push("first");
    // Leading edge: out before any window has run, on the next microtask.
    await second;
    expect(batches).toEqual(["first"]);
    second = new Promise<void>((r) => {
      release = r;
    });
    batcher.push("a");
    batcher.push("b");
    batcher.push("c");
    await second;
    expect(batches).toEqual(["first", "abc"]);
    batcher.push("d");
    await batcher.flush();
    expect(batches).toEqual(["first", "abc", "d"]);
    await batcher.flush();
    expect(batches).toEqual(["first", "abc", "d"]);
  });

  it("runs the sink one batch at a time even when a batch is slow", async () => {
    const order: string[] = [];
    let slow = true;
    const batcher = new TokenBatcher(1, async (text) => {
      order.push(`start ${text}`);
      if (slow) {
        slow = false;
        await new Promise((r) => setTimeout(r, 15));
      }
      order.push(`end ${text}`);
    });
    batcher.push("x");
    await new Promise((r) => setTimeout(r, 5));
    batcher.push("y");
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
