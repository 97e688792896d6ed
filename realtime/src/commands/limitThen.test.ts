import { forbidden, rateLimited } from "@engunity/core";
import { describe, expect, it } from "vitest";
import { limitThen } from "./sendMessage";

/** A limiter whose spend settles when the test says so. */
function heldLimiter() {
  let settle!: (err?: Error) => void;
  const spent = new Promise<void>((resolve, reject) => {
    settle = (err) => (err ? reject(err) : resolve());
  });
  const consumed: string[] = [];
  const ctx = {
    limiters: {
      messages: {
        consume: (key: string) => {
          consumed.push(key);
          return spent;
        },
      },
    },
  } as unknown as Parameters<typeof limitThen>[0];
  return { ctx, settle, consumed };
}

describe("limitThen: the send's rate limit and its membership read at once", () => {
  it("starts the read while the limit is still being spent, and answers once both are done", async () => {
    const { ctx, settle, consumed } = heldLimiter();
    let readStarted = false;
    let done = false;
    const result = limitThen(ctx, "alice", async () => {
      readStarted = true;
      return "access";
    }).then((v) => {
      done = true;
      return v;
    });
    expect(consumed).toEqual(["alice"]);
    // Neither waits for the other: the read is under way before the spend settles…
    expect(readStarted).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
    // …and nothing goes on (no write) until the limit has let the send through.
    expect(done).toBe(false);
    settle();
    expect(await result).toBe("access");
  });

  it("refuses as rate_limited when the limit is spent, whatever the read found", async () => {
    const over = heldLimiter();
    const refused = limitThen(over.ctx, "alice", async () => "access");
    over.settle(rateLimited(1));
    await expect(refused).rejects.toMatchObject({ code: "rate_limited" });

    // The limit wins over the read's own refusal too, even when the read fails first,
    // as it did when the limit came first.
    const both = heldLimiter();
    const twice = limitThen(both.ctx, "mallory", async () => {
      throw forbidden("not a member");
    });
    await new Promise((r) => setTimeout(r, 5));
    both.settle(rateLimited(1));
    await expect(twice).rejects.toMatchObject({ code: "rate_limited" });
  });

  it("passes on the read's refusal when the limit let the send through", async () => {
    const { ctx, settle } = heldLimiter();
    const refused = limitThen(ctx, "mallory", () => {
      // A read that throws before its first await is a refusal like any other.
      throw forbidden("not a member");
    });
    settle();
    await expect(refused).rejects.toMatchObject({ code: "forbidden" });
  });
});
