import { describe, expect, it } from "vitest";
import { titleFromContent } from "./titles";

describe("titleFromContent", () => {
  it("takes the first line, shortened at a word boundary", () => {
    expect(titleFromContent("  Plan the launch\nwith details")).toBe("Plan the launch");
    const long =
      "Summarise the quarterly numbers for the board meeting next Tuesday please and thanks";
    const title = titleFromContent(long);
    expect(title.endsWith("…")).toBe(true);
    expect(title.length).toBeLessThanOrEqual(61);
    expect(long.startsWith(title.slice(0, -1))).toBe(true);
  });
});
