import yauzl from "yauzl";

/** Bounds on what a zip-based upload (docx) may expand to. */
export const ZIP_LIMITS = {
  /** Entries in the central directory. */
  maxEntries: 2_000,
  /** Bytes all entries inflate to, together. */
  maxUncompressedBytes: 64 * 1024 * 1024,
} as const;

/** Why a zip was refused, in words for the uploader. */
export class ZipRejected extends Error {
  override name = "ZipRejected";
}

export interface ZipSummary {
  entries: string[];
  uncompressedBytes: number;
}

/**
 * Reads a zip's central directory and inflates every entry into nothing, counting:
 * too many entries, or more than `maxUncompressedBytes` in all, is refused before any
 * parser (mammoth) sees the file. Inflating, not only reading the declared sizes,
 * because declared sizes can lie; yauzl's `validateEntrySizes` stops an entry that
 * inflates past its declared size, so the running total is a real bound.
 */
export function inspectZip(
  source: string | Buffer,
  limits: { maxEntries: number; maxUncompressedBytes: number } = ZIP_LIMITS,
): Promise<ZipSummary> {
  return new Promise((resolve, reject) => {
    const opts = { lazyEntries: true, validateEntrySizes: true, autoClose: true };
    const onOpen = (err: Error | null, zip: yauzl.ZipFile) => {
      if (err || !zip) return reject(new ZipRejected("The file is not a readable zip archive"));
      if (zip.entryCount > limits.maxEntries) {
        zip.close();
        return reject(
          new ZipRejected(
            `The archive has ${zip.entryCount} entries; at most ${limits.maxEntries} are accepted`,
          ),
        );
      }
      const entries: string[] = [];
      let total = 0;
      let failed = false;
      const fail = (e: Error) => {
        if (failed) return;
        failed = true;
        zip.close();
        reject(e);
      };
      const tooBig = () =>
        new ZipRejected(
          `The archive expands to more than ${Math.round(limits.maxUncompressedBytes / 1048576)} MB (a decompression bomb?)`,
        );
      zip.on("error", () => fail(new ZipRejected("The zip archive is corrupt")));
      zip.on("end", () => {
        if (!failed) resolve({ entries, uncompressedBytes: total });
      });
      zip.on("entry", (entry: yauzl.Entry) => {
        entries.push(entry.fileName);
        if (total + entry.uncompressedSize > limits.maxUncompressedBytes) return fail(tooBig());
        if (entry.fileName.endsWith("/")) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return fail(new ZipRejected("The zip archive is corrupt"));
          stream.on("data", (chunk: Buffer) => {
            total += chunk.length;
            if (total > limits.maxUncompressedBytes) {
              stream.destroy();
              fail(tooBig());
            }
          });
          stream.on("error", () => fail(new ZipRejected("The zip archive is corrupt")));
          stream.on("end", () => {
            if (!failed) zip.readEntry();
          });
        });
      });
      zip.readEntry();
    };
    if (typeof source === "string") yauzl.open(source, opts, onOpen);
    else yauzl.fromBuffer(source, opts, onOpen);
  });
}
