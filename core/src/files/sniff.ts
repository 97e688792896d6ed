import { extname } from "node:path";

/** The document formats ingestion understands. */
export type DocumentKind = "pdf" | "docx" | "html" | "markdown" | "csv" | "json" | "code" | "text";

/** MIME type stored (and served on download) per kind. */
export const KIND_MIME: Record<DocumentKind, string> = {
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  html: "text/html",
  markdown: "text/markdown",
  csv: "text/csv",
  json: "application/json",
  code: "text/x-source",
  text: "text/plain",
};

/** The kind a stored MIME type stands for (ingest reads it back). */
export function kindOfMime(mime: string): DocumentKind | null {
  const hit = Object.entries(KIND_MIME).find(([, m]) => m === mime);
  return hit ? (hit[0] as DocumentKind) : null;
}

/** File suffix used in the server-generated storage key. */
export const KIND_SUFFIX: Record<DocumentKind, string> = {
  pdf: "pdf",
  docx: "docx",
  html: "html",
  markdown: "md",
  csv: "csv",
  json: "json",
  code: "txt",
  text: "txt",
};

const CODE_EXTENSIONS = new Set(
  (
    "ts tsx js jsx mjs cjs py rb go rs java kt kts scala c h cc cpp hpp cs swift php sh bash zsh " +
    "sql yaml yml toml ini css scss less vue svelte lua pl r m dart ex exs erl hs clj fs xml proto"
  ).split(" "),
);

/** Signatures of binary formats we refuse by name in the 415 message. */
const BINARY_SIGNATURES: [string, number[]][] = [
  ["a PNG image", [0x89, 0x50, 0x4e, 0x47]],
  ["a JPEG image", [0xff, 0xd8, 0xff]],
  ["a GIF image", [0x47, 0x49, 0x46, 0x38]],
  ["a gzip archive", [0x1f, 0x8b]],
  ["an executable", [0x7f, 0x45, 0x4c, 0x46]],
  ["an old Word/Excel file", [0xd0, 0xcf, 0x11, 0xe0]],
  ["a RAR archive", [0x52, 0x61, 0x72, 0x21]],
  ["a 7-Zip archive", [0x37, 0x7a, 0xbc, 0xaf]],
];

export type SniffResult =
  | { ok: true; kind: DocumentKind; mime: string; zip: boolean }
  | { ok: false; reason: string };

function startsWith(head: Uint8Array, bytes: number[]): boolean {
  return bytes.every((b, i) => head[i] === b);
}

function decodeUtf8(head: Uint8Array): string | null {
  // The head may end inside a multi-byte character: drop up to 3 trailing bytes.
  for (let cut = 0; cut <= 3 && cut < head.length; cut++) {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(head.subarray(0, head.length - cut));
    } catch {}
  }
  return head.length === 0 ? "" : null;
}

/**
 * Decides a file's kind from its first bytes — magic numbers for binary formats,
 * UTF-8 validity and markup for text — never from the name or the client's
 * Content-Type. The name only picks among text kinds (markdown vs. code vs. CSV), and
 * a name that claims a binary format the content does not have is refused (an HTML
 * page renamed `.pdf`). A zip is only a candidate `docx`: `inspectZip` decides.
 */
export function sniffFileType(head: Uint8Array, filename: string): SniffResult {
  const ext = extname(filename).slice(1).toLowerCase();
  let kind: DocumentKind | null = null;
  let zip = false;
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46, 0x2d])) kind = "pdf";
  else if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) {
    kind = "docx";
    zip = true;
  } else {
    const binary = BINARY_SIGNATURES.find(([, sig]) => startsWith(head, sig));
    if (binary) return { ok: false, reason: `The file is ${binary[0]}, which is not supported` };
    const text = decodeUtf8(head);
    if (text === null || text.includes("\u0000"))
      return { ok: false, reason: "The file is binary data of a type that is not supported" };
    const start = text
      .replace(/^\uFEFF/, "")
      .trimStart()
      .slice(0, 512)
      .toLowerCase();
    if (
      /^<!doctype html|^<html[\s>]|^<head[\s>]|^<body[\s>]/.test(start) ||
      /<html[\s>]/.test(start)
    )
      kind = "html";
    else if (ext === "json" || ((start.startsWith("{") || start.startsWith("[")) && ext === ""))
      kind = "json";
    else if (ext === "csv" || ext === "tsv") kind = "csv";
    else if (ext === "md" || ext === "markdown" || ext === "mdx") kind = "markdown";
    else if (ext === "html" || ext === "htm") kind = "html";
    else if (CODE_EXTENSIONS.has(ext)) kind = "code";
    else kind = "text";
  }
  const claimsBinary = ext === "pdf" ? "pdf" : ext === "docx" ? "docx" : null;
  if (claimsBinary && claimsBinary !== kind) {
    const what = kind === "html" ? "HTML" : kind === "pdf" ? "a PDF" : `${kind}`;
    return {
      ok: false,
      reason: `The file is named .${ext} but its content is ${what}, not ${claimsBinary === "pdf" ? "a PDF" : "a Word document"}`,
    };
  }
  return { ok: true, kind, mime: KIND_MIME[kind], zip };
}
