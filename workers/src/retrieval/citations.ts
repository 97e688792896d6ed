import type { Citation } from "@engunity/shared";
import type { Passage } from "./SessionRetriever";

/**
 * Maps the answer's `[n]` markers to the passages the model was shown. Numbers keep
 * their meaning (`[3]` is passage 3, whatever else is cited); a number that points at
 * no passage is removed from the text, so no citation dangles. Returns the cleaned
 * text and one citation per cited passage, in order of first mention.
 */
export function resolveCitations(
  content: string,
  passages: readonly Passage[],
): { content: string; citations: Citation[] } {
  const byN = new Map(passages.map((p) => [p.n, p]));
  const cited: Citation[] = [];
  const seen = new Set<number>();
  const cleaned = content.replace(
    /( ?)\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g,
    (_whole, space: string, list: string) => {
      const valid = list
        .split(",")
        .map((s) => Number(s.trim()))
        .filter((n) => byN.has(n));
      for (const n of valid) {
        if (seen.has(n)) continue;
        seen.add(n);
        const p = byN.get(n)!;
        cited.push({
          n,
          documentId: p.documentId,
          filename: p.filename,
          chunkId: p.chunkId,
          text: p.text,
          ...(p.page ? { page: p.page } : {}),
          ...(p.headingPath ? { heading: p.headingPath } : {}),
          ...(p.lineStart ? { lineStart: p.lineStart } : {}),
          ...(p.lineEnd ? { lineEnd: p.lineEnd } : {}),
        });
      }
      return valid.length ? `${space}[${valid.join(", ")}]` : "";
    },
  );
  return { content: cleaned, citations: cited };
}
