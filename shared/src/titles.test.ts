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

  it("never cuts an emoji in half", () => {
    const title = titleFromContent(`${"x".repeat(59)}😀${"y".repeat(20)}`);
    expect(title).toBe(`${"x".repeat(59)}…`);
    expect(/\p{Cs}/u.test(title)).toBe(false);
  });

  it("is plain text: Markdown marks and link targets do not become the title", () => {
    expect(titleFromContent("Hello **AI**! [js](javascript:alert(1)) and `code`")).toBe(
      "Hello AI! js and code",
    );
    expect(titleFromContent("## Plan _the_ launch")).toBe("Plan the launch");
    expect(titleFromContent("```\nconst x = 1;\n```")).toBe("const x = 1;");
    expect(titleFromContent("> quoted ~~old~~ idea")).toBe("quoted old idea");
    expect(titleFromContent("![chart](/x.png) numbers")).toBe("chart numbers");
    expect(titleFromContent("snake_case_name stays")).toBe("snake_case_name stays");
    expect(titleFromContent("2 * 3 * 4 = 24")).toBe("2 * 3 * 4 = 24");
  });
});
