/** A structural piece of a parsed document, in source order. */
export interface Block {
  type: "heading" | "text" | "code";
  text: string;
  /** Heading level 1..6 (headings only). */
  level?: number;
  /** 1-based page (PDF). */
  page?: number;
  /** 1-based source lines (text formats). */
  lineStart?: number;
  lineEnd?: number;
}

/** A retrievable passage: contiguous source text with where it came from. */
export interface Chunk {
  text: string;
  headingPath: string | null;
  page: number | null;
  lineStart: number | null;
  lineEnd: number | null;
  tokenCount: number;
}

export interface ChunkOptions {
  /** Most tokens in a chunk (~4 characters a token, as the context budget counts). */
  maxTokens: number;
  /** Tokens of the previous chunk's tail repeated at the start of the next one (same section only). */
  overlapTokens: number;
}

export const DEFAULT_CHUNKING: ChunkOptions = { maxTokens: 256, overlapTokens: 40 };

/** The token estimate chunking budgets with. */
export const tokensOf = (text: string) => Math.ceil(text.length / 4);

interface Piece {
  text: string;
  page?: number;
  lineStart?: number;
  lineEnd?: number;
}

/** Splits text at `boundary` matches into pieces of at most `maxTokens`, tracking lines. */
function splitLong(block: Block, maxTokens: number): Piece[] {
  const boundary = block.type === "code" ? /\n/g : /(?<=[.!?;:])\s+|\n+/g;
  const units: { text: string; offset: number }[] = [];
  let last = 0;
  for (const m of block.text.matchAll(boundary)) {
    const end = m.index + m[0].length;
    units.push({ text: block.text.slice(last, end), offset: last });
    last = end;
  }
  if (last < block.text.length) units.push({ text: block.text.slice(last), offset: last });
  // A unit longer than the budget on its own (one huge sentence) is cut at spaces.
  const maxChars = maxTokens * 4;
  const fine: { text: string; offset: number }[] = [];
  for (const u of units) {
    if (u.text.length <= maxChars) {
      fine.push(u);
      continue;
    }
    for (let i = 0; i < u.text.length; ) {
      let end = Math.min(u.text.length, i + maxChars);
      const space = u.text.lastIndexOf(" ", end);
      if (end < u.text.length && space > i + maxChars / 2) end = space + 1;
      fine.push({ text: u.text.slice(i, end), offset: u.offset + i });
      i = end;
    }
  }
  const pieces: Piece[] = [];
  let cur: { text: string; offset: number } | null = null;
  const push = (p: { text: string; offset: number }) => {
    const text = p.text.trim();
    if (!text) return;
    const lead = p.text.length - p.text.trimStart().length;
    const before = block.text.slice(0, p.offset + lead).split("\n").length - 1;
    const inside = text.split("\n").length - 1;
    pieces.push({
      text,
      page: block.page,
      lineStart: block.lineStart !== undefined ? block.lineStart + before : undefined,
      lineEnd: block.lineStart !== undefined ? block.lineStart + before + inside : undefined,
    });
  };
  for (const u of fine) {
    if (cur && tokensOf(cur.text + u.text) > maxTokens) {
      push(cur);
      cur = null;
    }
    cur = cur ? { text: cur.text + u.text, offset: cur.offset } : { ...u };
  }
  if (cur) push(cur);
  return pieces;
}

/** The trailing sentences of `piece` that fit in `tokens`, as a piece of their own. */
function tail(piece: Piece, tokens: number): Piece | null {
  if (tokens <= 0) return null;
  // Sentence starts, latest first; the longest suffix that fits wins.
  const starts = [...piece.text.matchAll(/(?<=[.!?])\s+/g)].map((m) => m.index + m[0].length);
  let from = -1;
  for (let i = starts.length - 1; i >= 0; i--) {
    if (tokensOf(piece.text.slice(starts[i]!)) > tokens) break;
    from = starts[i]!;
  }
  if (from <= 0) return null;
  const linesBefore = piece.text.slice(0, from).split("\n").length - 1;
  return {
    text: piece.text.slice(from),
    page: piece.page,
    lineStart: piece.lineStart !== undefined ? piece.lineStart + linesBefore : undefined,
    lineEnd: piece.lineEnd,
  };
}

/**
 * Chunks blocks by structure: a heading starts a new section (and is the chunk's
 * heading path, not its text); paragraphs and code blocks are packed whole under the
 * token budget, split at sentences (or lines, for code) only when one alone is over
 * it; a page break ends a chunk. Consecutive chunks of one section overlap by the
 * previous one's last sentences. Every chunk's text is contiguous source text
 * (blocks joined by a blank line), so it can be quoted and found again.
 */
export function chunkBlocks(blocks: readonly Block[], opts: ChunkOptions = DEFAULT_CHUNKING) {
  const chunks: Chunk[] = [];
  const path: string[] = [];
  let parts: Piece[] = [];
  let overlapOnly = false;

  const flush = (carry: boolean) => {
    if (parts.length === 0 || overlapOnly) {
      parts = [];
      overlapOnly = false;
      return;
    }
    const text = parts.map((p) => p.text).join("\n\n");
    const lines = parts.filter((p) => p.lineStart !== undefined);
    chunks.push({
      text,
      headingPath: path.length ? path.join(" > ") : null,
      page: parts[0]!.page ?? null,
      lineStart: lines[0]?.lineStart ?? null,
      lineEnd: lines.at(-1)?.lineEnd ?? null,
      tokenCount: tokensOf(text),
    });
    const t = carry ? tail(parts.at(-1)!, opts.overlapTokens) : null;
    parts = t ? [t] : [];
    overlapOnly = Boolean(t);
  };

  // Characters of `parts` joined by blank lines, kept as parts change (no re-join per block).
  const used = () =>
    Math.ceil(
      (parts.reduce((n, p) => n + p.text.length, 0) + Math.max(0, parts.length - 1) * 2) / 4,
    );
  for (const block of blocks) {
    if (block.type === "heading") {
      flush(false);
      const level = Math.max(1, Math.min(6, block.level ?? 1));
      path.splice(level - 1);
      while (path.length < level - 1) path.push("");
      path.push(block.text.trim());
      for (let i = 0; i < path.length; i++) if (!path[i]) path.splice(i--, 1);
      continue;
    }
    if (!block.text.trim()) continue;
    if (parts.length && block.page !== undefined && parts[0]!.page !== block.page) flush(false);
    const pieces =
      tokensOf(block.text) > opts.maxTokens
        ? splitLong(block, opts.maxTokens)
        : [
            {
              text: block.text.trim(),
              page: block.page,
              lineStart: block.lineStart,
              lineEnd: block.lineEnd,
            },
          ];
    for (const piece of pieces) {
      if (parts.length && used() + tokensOf(piece.text) + 1 > opts.maxTokens) flush(true);
      if (parts.length && used() + tokensOf(piece.text) + 1 > opts.maxTokens) {
        // Not even the overlap fits beside this piece: drop the overlap.
        parts = [];
        overlapOnly = false;
      }
      parts.push(piece);
      overlapOnly = false;
    }
  }
  flush(false);
  return chunks;
}

/**
 * Blocks of Markdown-like text: ATX headings, fenced code blocks, and paragraphs
 * separated by blank lines, each with its 1-based source lines.
 */
export function markdownBlocks(source: string, opts: { headings?: boolean } = {}): Block[] {
  const headings = opts.headings ?? true;
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let para: string[] = [];
  let paraStart = 0;
  const endPara = (i: number) => {
    if (para.length)
      blocks.push({ type: "text", text: para.join("\n"), lineStart: paraStart, lineEnd: i });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^\s{0,3}(```+|~~~+)/.exec(line);
    if (fence) {
      endPara(i);
      const start = i;
      const close = fence[1]!;
      i++;
      while (i < lines.length && !lines[i]!.trimStart().startsWith(close)) i++;
      const body = lines.slice(start, Math.min(i, lines.length - 1) + 1).join("\n");
      blocks.push({
        type: "code",
        text: body,
        lineStart: start + 1,
        lineEnd: Math.min(i, lines.length - 1) + 1,
      });
      continue;
    }
    const heading = headings ? /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line) : null;
    if (heading) {
      endPara(i);
      blocks.push({
        type: "heading",
        level: heading[1]!.length,
        text: heading[2]!,
        lineStart: i + 1,
        lineEnd: i + 1,
      });
      continue;
    }
    if (!line.trim()) {
      endPara(i);
      continue;
    }
    if (!para.length) paraStart = i + 1;
    para.push(line);
  }
  endPara(lines.length);
  return blocks;
}

/** Source code as blocks separated by blank lines (functions, classes), with lines. */
export function codeBlocks(source: string): Block[] {
  return markdownBlocks(source, { headings: false }).map((b) => ({ ...b, type: "code" }));
}
