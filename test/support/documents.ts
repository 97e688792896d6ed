import type { Message } from "@engunity/shared";
import { strToU8, zipSync } from "fflate";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { type ClientSocket, emitAck, once } from "./sockets";

/** Test documents, generated here (nothing downloaded, nothing checked in). */

/** A real PDF with one text line per `pages[i][j]`, drawn with pdf-lib. */
export async function makePdf(pages: string[][]): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = pdf.addPage([612, 792]);
    lines.forEach((line, i) => {
      page.drawText(line, { x: 50, y: 740 - i * 16, size: 11, font });
    });
  }
  return pdf.save();
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * A real DOCX (the OOXML parts zipped): `heading` items become Heading 1/2 paragraphs
 * (a styles part names them, as Word writes it), the rest body paragraphs.
 */
export function makeDocx(paragraphs: { text: string; heading?: 1 | 2 }[]): Uint8Array {
  const body = paragraphs
    .map((p) => {
      const style = p.heading ? `<w:pPr><w:pStyle w:val="Heading${p.heading}"/></w:pPr>` : "";
      return `<w:p>${style}<w:r><w:t xml:space="preserve">${xmlEscape(p.text)}</w:t></w:r></w:p>`;
    })
    .join("");
  const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
  const style = (n: number) =>
    `<w:style w:type="paragraph" w:styleId="Heading${n}"><w:name w:val="heading ${n}"/></w:style>`;
  return zipSync({
    "[Content_Types].xml": strToU8(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>',
    ),
    "_rels/.rels": strToU8(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    ),
    "word/_rels/document.xml.rels": strToU8(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
    ),
    "word/styles.xml": strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles ${W}>${style(1)}${style(2)}</w:styles>`,
    ),
    "word/document.xml": strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ${W}><w:body>${body}</w:body></w:document>`,
    ),
  });
}

/**
 * A zip bomb dressed as a .docx: a `word/document.xml` that inflates to `mb` MB of
 * zeros from a few hundred kB.
 */
export function makeZipBomb(mb = 100): Uint8Array {
  return zipSync(
    {
      "[Content_Types].xml": strToU8("<Types/>"),
      "word/document.xml": new Uint8Array(mb * 1024 * 1024),
    },
    { level: 9 },
  );
}

/** A zip with more entries than the guard accepts. */
export function makeManyEntryZip(entries = 5000): Uint8Array {
  const files: Record<string, Uint8Array> = { "word/document.xml": strToU8("<w:document/>") };
  for (let i = 0; i < entries; i++) files[`word/media/${i}.xml`] = strToU8("x");
  return zipSync(files, { level: 0 });
}

/** Whitespace-insensitive form, for "this chunk is text of that source". */
export const squash = (s: string) => s.replace(/\s+/g, " ").trim();

/** Uploads `bytes` as the multipart field `file` named `filename`. */
export async function uploadFile(
  baseUrl: string,
  token: string,
  sessionId: string,
  filename: string,
  bytes: Uint8Array | string,
  type = "application/octet-stream",
): Promise<{ status: number; body: any }> {
  const form = new FormData();
  form.append("file", new Blob([bytes as BlobPart], { type }), filename);
  const res = await fetch(`${baseUrl}/api/v1/chat/${sessionId}/documents`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Sends `content` to the session over `socket` and resolves with the finished answer. */
export async function askAndWait(
  socket: ClientSocket,
  sessionId: string,
  content: string,
): Promise<Message> {
  const done = once(socket, "ai:done", (p) => p.sessionId === sessionId, 15_000);
  const sent = await emitAck(socket, "message:send", {
    sessionId,
    content,
    clientId: `c-${Math.random()}`,
  });
  if (!sent.ok) throw new Error(`message:send refused: ${JSON.stringify(sent)}`);
  return (await done).message;
}
