import { describe, expect, it } from "vitest";
import { can, defaultAiMode } from "./abilities";

describe("abilities", () => {
  it("lets viewers read only, editors write and ask, owners manage", () => {
    expect(can("viewer", "read")).toBe(true);
    for (const action of ["write", "askAi", "stopAi", "upload", "editTitle"] as const) {
      expect([can("viewer", action), can("editor", action), can("owner", action)]).toEqual([
        false,
        true,
        true,
      ]);
    }
    for (const action of ["invite", "manageMembers", "delete"] as const) {
      expect([can("editor", action), can("owner", action)]).toEqual([false, true]);
    }
    expect(can(undefined, "read")).toBe(false);
  });

  it("answers every message alone and only mentions in company", () => {
    expect([defaultAiMode(0), defaultAiMode(1), defaultAiMode(2)]).toEqual([
      "every",
      "every",
      "mention",
    ]);
  });
});
