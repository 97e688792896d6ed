import { describe, expect, it } from "vitest";
import { envelope, parseFrameMessage, parseHostMessage } from "./widgetMessages";

describe("widget postMessage schema", () => {
  it("round-trips every message through its envelope", () => {
    expect(parseHostMessage(envelope({ type: "token", token: "t", expiresAt: "x" }))).toEqual({
      type: "token",
      token: "t",
      expiresAt: "x",
    });
    expect(parseHostMessage(envelope({ type: "theme", theme: "dark", accent: "#0f766e" }))).toEqual(
      {
        type: "theme",
        theme: "dark",
        accent: "#0f766e",
      },
    );
    expect(parseFrameMessage(envelope({ type: "unread", count: 3 }))).toEqual({
      type: "unread",
      count: 3,
    });
    expect(parseFrameMessage(envelope({ type: "ready" }))).toEqual({ type: "ready" });
  });

  it("drops other versions, sources, types and malformed fields", () => {
    const bad: unknown[] = [
      null,
      "token",
      { type: "token", token: "t", expiresAt: "x" },
      { ...envelope({ type: "ready" }), v: 2 },
      { ...envelope({ type: "ready" }), source: "someone-else" },
      envelope({ type: "token", token: 1, expiresAt: "x" } as never),
      envelope({ type: "theme", theme: "neon" } as never),
      envelope({ type: "theme", theme: "dark", accent: "red;background:url(x)" }),
      envelope({ type: "eval", code: "alert(1)" } as never),
    ];
    for (const m of bad) expect(parseHostMessage(m)).toBeNull();
    expect(parseFrameMessage(envelope({ type: "unread", count: -1 }))).toBeNull();
    expect(parseFrameMessage(envelope({ type: "unread", count: 1.5 }))).toBeNull();
    expect(parseFrameMessage({ ...envelope({ type: "close" }), v: 0 })).toBeNull();
  });
});
