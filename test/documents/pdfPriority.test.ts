import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDocument } from "../../workers/src/ingest/parseDocument";
import { makePdf } from "../support/documents";

/** The nice value of each thread of this process (Linux: field 19 of /proc/…/stat). */
function threadNices(): number[] {
  return readdirSync("/proc/self/task").flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      return [Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16])];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}

describe.runIf(process.platform === "linux")("PDF text extraction", () => {
  it("runs in a thread of the lowest priority, leaving this thread's own as it was", async () => {
    const before = threadNices();
    expect(before).not.toContain(19);
    const pdf = await makePdf(
      Array.from({ length: 40 }, (_, p) => [`Page ${p + 1}: the committee met.`]),
    );
    const seen: number[][] = [];
    const blocks = await parseDocument("pdf", Buffer.from(pdf), {
      onProgress: () => {
        seen.push(threadNices());
      },
      checkpoint: async () => {},
    });
    expect(blocks).toHaveLength(40);
    // While pages arrived, one thread of this process (pdf.js's) ran at nice 19…
    expect(seen.some((nices) => nices.includes(19))).toBe(true);
    // …and the main thread still runs at its own priority.
    expect(threadNices()[0]).toBe(before[0]);
  });
});
