import { createHash, randomUUID } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { payloadTooLarge, validationFailed } from "@engunity/core";
import { hasControlCharacters, hasInvisibleCharacters } from "@engunity/shared";
import busboy from "busboy";
import type { Request } from "express";

/** A file received to a temp file: never held in memory whole. */
export interface ReceivedFile {
  /** The client's name, checked (no path, no control characters); for display only. */
  filename: string;
  tempPath: string;
  sizeBytes: number;
  sha256: string;
  /** The first bytes, for sniffing the type. */
  head: Buffer;
  /** Deletes the temp file (idempotent). */
  discard(): Promise<void>;
}

const HEAD_BYTES = 8192;

/**
 * A display name as the uploader gave it, or a 400: no directories (`../../x`), no
 * NUL, control, bidi or invisible characters, not empty, at most 255 characters.
 */
export function checkFilename(raw: string): string {
  const name = raw.normalize("NFC").trim();
  if (!name) throw validationFailed("The file needs a name");
  if (hasControlCharacters(name))
    throw validationFailed("The file name must not contain control characters");
  // `gpj\u202e.md` would show as `dm.jpg`: a name must look like what it is.
  if (hasInvisibleCharacters(name))
    throw validationFailed("The file name must not contain bidi or invisible characters");
  if (/[/\\]/.test(name) || name === "." || name === "..")
    throw validationFailed("The file name must not contain a path (/ or \\)");
  if (name.length > 255) throw validationFailed("The file name is longer than 255 characters");
  return name;
}

/**
 * Streams the multipart field `file` of `req` into a temp file under `tempDir`,
 * hashing and counting as it goes. More than `maxBytes` is a 413 the moment the
 * limit is crossed; a client that goes away mid-upload, a missing field, a second
 * file or any other failure leaves no temp file behind.
 */
export async function receiveUpload(
  req: Request,
  opts: { tempDir: string; maxBytes: number },
): Promise<ReceivedFile> {
  const type = req.headers["content-type"] ?? "";
  if (!type.toLowerCase().startsWith("multipart/form-data"))
    throw validationFailed("Send the document as multipart/form-data with a field named file");
  await mkdir(opts.tempDir, { recursive: true });
  const tempPath = join(opts.tempDir, `${randomUUID()}.part`);
  const discard = () => rm(tempPath, { force: true });
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      // The raw name, so a `../../x` is refused rather than quietly cut to `x`.
      preservePath: true,
      // Browsers and curl send the filename as raw UTF-8; busboy's default is Latin-1.
      defParamCharset: "utf8",
      limits: { files: 1, fileSize: opts.maxBytes, fields: 10, parts: 12, fieldSize: 1024 },
    });
  } catch {
    throw validationFailed("Malformed multipart body");
  }
  let file: Promise<Omit<ReceivedFile, "discard">> | null = null;
  let current: Readable | null = null;
  // The temp file's stream; closed before the file is deleted, so a late open cannot recreate it.
  let sink: WriteStream | null = null;
  try {
    const received = await new Promise<Omit<ReceivedFile, "discard">>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        req.unpipe(parser);
        current?.destroy();
        sink?.destroy();
        reject(err);
      };
      // A client that disconnects: busboy never finishes, so the request's close decides.
      req.once("close", () => {
        if (!req.complete) fail(validationFailed("The upload was interrupted"));
      });
      parser.on("file", (field, stream, info) => {
        if (field !== "file" || file) {
          stream.resume();
          return fail(validationFailed("Send exactly one file, in the field named file"));
        }
        let filename: string;
        try {
          filename = checkFilename(info.filename ?? "");
        } catch (err) {
          stream.resume();
          return fail(err as Error);
        }
        current = stream;
        const hash = createHash("sha256");
        const headParts: Buffer[] = [];
        let headLen = 0;
        let size = 0;
        stream.on("data", (chunk: Buffer) => {
          hash.update(chunk);
          size += chunk.length;
          if (headLen < HEAD_BYTES) {
            headParts.push(chunk.subarray(0, HEAD_BYTES - headLen));
            headLen += Math.min(chunk.length, HEAD_BYTES - headLen);
          }
        });
        stream.on("limit", () => {
          const mb = opts.maxBytes / 1048576;
          fail(payloadTooLarge(`The file is larger than the ${Number(mb.toFixed(2))} MB limit`));
          stream.destroy();
        });
        sink = createWriteStream(tempPath, { flags: "wx" });
        file = pipeline(stream, sink).then(() => ({
          filename,
          tempPath,
          sizeBytes: size,
          sha256: hash.digest("hex"),
          head: Buffer.concat(headParts),
        }));
        file.catch(fail);
      });
      parser.on("filesLimit", () => fail(validationFailed("Send exactly one file")));
      parser.on("partsLimit", () => fail(validationFailed("Too many form fields")));
      // e.g. a raw NUL or newline in a part header (a file name): busboy refuses the header.
      parser.on("error", (err: Error) =>
        fail(validationFailed(`Malformed multipart body (${err.message})`)),
      );
      parser.on("close", () => {
        if (!file) return fail(validationFailed("The form has no field named file"));
        file.then((f) => {
          if (settled) return;
          settled = true;
          resolve(f);
        }, fail);
      });
      req.pipe(parser);
    });
    return { ...received, discard };
  } catch (err) {
    const open = sink as WriteStream | null;
    if (open && !open.closed) await new Promise<void>((r) => open.once("close", () => r()));
    await discard();
    await drain(req, 2000);
    throw err;
  }
}

/**
 * Reads and drops the rest of a refused upload (for at most `ms`), so the client,
 * still sending, gets to read our error instead of a connection reset.
 */
export function drain(req: Request, ms: number): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      resolve();
    }
    req.once("end", done);
    req.once("close", done);
    req.resume();
  });
}
