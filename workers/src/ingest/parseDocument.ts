import { Worker } from "node:worker_threads";
import type { DocumentKind } from "@engunity/core";
import { parse as parseCsv } from "csv-parse/sync";
import { convert as htmlToText } from "html-to-text";
import mammoth from "mammoth";
import { type Block, codeBlocks, markdownBlocks } from "./chunker";

/** A parse that cannot succeed; its message is shown to people as the failure reason. */
export class ParseError extends Error {
  override name = "ParseError";
}

export interface ParseHooks {
  /** Parsing progress 0..1 (PDF pages). */
  onProgress(fraction: number): void;
  /** Throws when the ingest was cancelled; called between pages. */
  checkpoint(): Promise<void>;
}

const decoder = new TextDecoder("utf-8");

/** Turns a file of `kind` into structural blocks, in source order. */
export async function parseDocument(
  kind: DocumentKind,
  bytes: Buffer,
  hooks: ParseHooks,
): Promise<Block[]> {
  switch (kind) {
    case "pdf":
      return pdfBlocks(bytes, hooks);
    case "docx":
      return docxBlocks(bytes);
    case "html":
      return htmlBlocks(decoder.decode(bytes));
    case "markdown":
      return markdownBlocks(decoder.decode(bytes));
    case "text":
      return markdownBlocks(decoder.decode(bytes), { headings: false });
    case "code":
      return codeBlocks(decoder.decode(bytes));
    case "json":
      return jsonBlocks(decoder.decode(bytes));
    case "csv":
      return csvBlocks(decoder.decode(bytes));
  }
}

type PdfMessage =
  | { type: "page"; n: number; total: number; text: string }
  | { type: "done" }
  | { type: "error"; name: string; message: string };

/**
 * The nice value of the PDF text thread (Linux, where it lowers that thread alone):
 * the lowest priority, so answers streaming from this process get the CPU first and
 * the ingest takes what is left (bench/documentsTtft.bench.ts).
 */
const PARSE_NICE = 19;

/**
 * A PDF page by page through pdf.js (unpdf's serverless build) in a worker thread, so
 * a 300-page file does not stall answers streaming from this process; one block per
 * paragraph. Cancelling (the checkpoint throws) terminates the thread.
 */
async function pdfBlocks(bytes: Buffer, hooks: ParseHooks): Promise<Block[]> {
  const copy = new Uint8Array(bytes).buffer;
  const worker = new Worker(new URL("./pdfTextWorker.mjs", import.meta.url), {
    workerData: { bytes: copy, nice: process.platform === "linux" ? PARSE_NICE : 0 },
    transferList: [copy],
  });
  const queue: PdfMessage[] = [];
  let wake: (() => void) | null = null;
  let crashed: Error | null = null;
  worker.on("message", (m: PdfMessage) => {
    queue.push(m);
    wake?.();
  });
  worker.on("error", (err) => {
    crashed = err;
    wake?.();
  });
  worker.on("exit", () => wake?.());
  const blocks: Block[] = [];
  try {
    for (;;) {
      await hooks.checkpoint();
      const m = queue.shift();
      if (!m) {
        if (crashed)
          throw new ParseError(`The PDF could not be read (${(crashed as Error).message})`);
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
        continue;
      }
      if (m.type === "error") {
        if (m.name === "PasswordException") throw new ParseError("The PDF is password-protected");
        throw new ParseError(`The PDF could not be read (${m.message})`);
      }
      if (m.type === "done") break;
      for (const para of m.text.split(/\n\s*\n/)) {
        const t = para.trim();
        if (t) blocks.push({ type: "text", text: t, page: m.n });
      }
      hooks.onProgress(m.n / m.total);
    }
  } finally {
    await worker.terminate();
  }
  if (blocks.length === 0)
    throw new ParseError("No text could be found in this PDF (a scan? OCR is not supported)");
  return blocks;
}

/**
 * HTML to text with html-to-text, headings kept as Markdown `#` lines so sections
 * survive; scripts, styles, images and link targets dropped.
 */
export function htmlToStructuredText(html: string): string {
  const heading = (level: number) => ({
    selector: `h${level}`,
    format: "mdHeading",
    options: { level },
  });
  return htmlToText(html, {
    wordwrap: false,
    formatters: {
      mdHeading: (elem, walk, builder, formatOptions) => {
        builder.openBlock({ leadingLineBreaks: 2 });
        builder.addInline(`${"#".repeat(Number(formatOptions.level ?? 1))} `);
        walk(elem.children, builder);
        builder.closeBlock({ trailingLineBreaks: 2 });
      },
    },
    selectors: [
      ...[1, 2, 3, 4, 5, 6].map(heading),
      { selector: "a", options: { ignoreHref: true } },
      { selector: "img", format: "skip" },
      { selector: "script", format: "skip" },
      { selector: "style", format: "skip" },
      { selector: "table", format: "dataTable" },
    ],
  });
}

function htmlBlocks(html: string): Block[] {
  // Lines of the converted text are not the HTML's: leave lines out of provenance.
  return markdownBlocks(htmlToStructuredText(html)).map(
    ({ lineStart: _s, lineEnd: _e, ...b }) => b,
  );
}

/** Word through mammoth (to HTML, keeping headings), then as HTML. The zip was bounded at upload. */
async function docxBlocks(bytes: Buffer): Promise<Block[]> {
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: bytes }, { externalFileAccess: false })).value;
  } catch (err) {
    throw new ParseError(`The Word document could not be read (${(err as Error).message})`);
  }
  const blocks = htmlBlocks(html);
  if (blocks.length === 0) throw new ParseError("The Word document has no text");
  return blocks;
}

function jsonBlocks(text: string): Block[] {
  try {
    JSON.parse(text);
  } catch (err) {
    throw new ParseError(`The file is not valid JSON (${(err as Error).message})`);
  }
  return codeBlocks(text);
}

/**
 * CSV rows as blocks of their raw source lines (a quoted field may span lines), so a
 * citation quotes the file; the header row names the columns in the heading path.
 */
function csvBlocks(text: string): Block[] {
  let records: { record: string[]; raw: string; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      raw: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      bom: true,
    }) as unknown as typeof records;
  } catch (err) {
    throw new ParseError(`The CSV could not be read (${(err as Error).message})`);
  }
  if (records.length === 0) throw new ParseError("The CSV has no rows");
  const [header, ...rows] = records;
  const blocks: Block[] = [
    { type: "heading", level: 1, text: `Columns: ${header!.record.join(", ")}` },
  ];
  for (const r of rows) {
    const raw = r.raw.replace(/\r?\n$/, "");
    const lines = raw.split("\n").length;
    blocks.push({
      type: "code",
      text: raw,
      lineStart: r.info.lines - lines + 1,
      lineEnd: r.info.lines,
    });
  }
  return blocks;
}
