import type { Message } from "@engunity/shared";
import { describe, expect, it } from "vitest";
import { isStaleCopy } from "./staleCopy";

const answer = (status: Message["status"], version?: number, content = ""): Message => ({
  id: "m1",
  sessionId: "s1",
  role: "assistant",
  content,
  status,
  createdAt: "2026-01-01T00:00:00.000Z",
  metadata: version ? { version } : {},
});

describe("isStaleCopy", () => {
  it("keeps a done answer over a snapshot that read it still streaming", () => {
    expect(isStaleCopy(answer("complete", undefined, "hi"), answer("streaming"))).toBe(true);
    expect(isStaleCopy(answer("stopped", 2), answer("streaming", 2))).toBe(true);
  });
  it("takes a snapshot that has the answer done over a local streaming placeholder", () => {
    expect(isStaleCopy(answer("streaming"), answer("complete", undefined, "hi"))).toBe(false);
    expect(isStaleCopy(answer("streaming"), answer("streaming"))).toBe(false);
  });
  it("orders versions: a regenerated answer streams again, an older version is stale", () => {
    expect(isStaleCopy(answer("complete"), answer("streaming", 2))).toBe(false);
    expect(isStaleCopy(answer("streaming", 3), answer("complete", 2))).toBe(true);
  });
});
