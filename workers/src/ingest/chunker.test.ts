import { describe, expect, it } from "vitest";
import { chunkBlocks, markdownBlocks, tokensOf } from "./chunker";

const squash = (s: string) => s.replace(/\s+/g, " ").trim();

describe("chunkBlocks", () => {
  const paragraph = (n: number) =>
    Array.from(
      { length: 12 },
      (_, i) => `Sentence ${i + 1} of paragraph ${n} says something.`,
    ).join(" ");
  const source = [
    "# Guide",
    "",
    paragraph(1),
    "",
    paragraph(2),
    "",
    "## Part two",
    "",
    "```js",
    "const x = 1;",
    "```",
    "",
    paragraph(3),
  ].join("\n");

  it("keeps chunks under budget, as contiguous source text, with heading paths and lines", () => {
    const chunks = chunkBlocks(markdownBlocks(source), { maxTokens: 120, overlapTokens: 30 });
    const lines = source.split("\n");
    for (const c of chunks) {
      expect(c.tokenCount).toBeLessThanOrEqual(120);
      expect(squash(source)).toContain(squash(c.text));
      expect(squash(lines.slice(c.lineStart! - 1, c.lineEnd!).join("\n"))).toContain(
        squash(c.text).slice(0, 30),
      );
    }
    expect(chunks[0]!.headingPath).toBe("Guide");
    expect(chunks.at(-1)!.headingPath).toBe("Guide > Part two");
    expect(chunks.some((c) => c.text.includes("```js\nconst x = 1;\n```"))).toBe(true);
    // Every sentence is somewhere; headings are provenance, not text.
    for (const n of [1, 2, 3])
      for (let i = 1; i <= 12; i++)
        expect(chunks.some((c) => c.text.includes(`Sentence ${i} of paragraph ${n} `))).toBe(true);
    expect(chunks.some((c) => c.text.includes("# Guide"))).toBe(false);
  });

  it("overlaps consecutive chunks of one section, never across a heading", () => {
    const chunks = chunkBlocks(markdownBlocks(source), { maxTokens: 120, overlapTokens: 30 });
    const guide = chunks.filter((c) => c.headingPath === "Guide");
    expect(guide.length).toBeGreaterThan(2);
    // A paragraph split over two chunks: the second starts with the first's last sentence.
    const overlapping = guide.filter(
      (c, i) => i > 0 && guide[i - 1]!.text.includes(c.text.split(/(?<=\.)\s/)[0]!),
    );
    expect(overlapping.length).toBeGreaterThan(0);
    for (const c of guide) expect(tokensOf(c.text)).toBeLessThanOrEqual(120);
    const firstOfPartTwo = chunks.find((c) => c.headingPath === "Guide > Part two")!;
    expect(firstOfPartTwo.text.startsWith("```js")).toBe(true);
  });

  it("ends a chunk at a page break and keeps the page", () => {
    const chunks = chunkBlocks([
      { type: "text", text: "Page one text.", page: 1 },
      { type: "text", text: "Page two text.", page: 2 },
    ]);
    expect(chunks.map((c) => [c.page, c.text])).toEqual([
      [1, "Page one text."],
      [2, "Page two text."],
    ]);
  });
});
