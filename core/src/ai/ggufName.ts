import { open } from "node:fs/promises";
import { basename } from "node:path";

// GGUF value types (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md).
const SIZES: Record<number, number> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};
const STRING = 8;
const ARRAY = 9;

/**
 * The model's own name from a GGUF file's header (`general.name`), read from its first
 * 256 kB; the file name without `.gguf` when the header has none or cannot be read.
 */
export async function ggufModelName(path: string): Promise<string> {
  const fallback = basename(path).replace(/\.gguf$/i, "");
  let handle: Awaited<ReturnType<typeof open>> | null = null;
  try {
    handle = await open(path, "r");
    const buf = Buffer.alloc(256 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const b = buf.subarray(0, bytesRead);
    if (b.toString("latin1", 0, 4) !== "GGUF") return fallback;
    let at = 4 + 4 + 8; // magic, version, tensor count
    const kvCount = Number(b.readBigUInt64LE(at));
    at += 8;
    const str = () => {
      const len = Number(b.readBigUInt64LE(at));
      const s = b.toString("utf8", at + 8, at + 8 + len);
      at += 8 + len;
      return s;
    };
    const skip = (type: number) => {
      if (type === STRING) str();
      else if (type === ARRAY) {
        const inner = b.readUInt32LE(at);
        const n = Number(b.readBigUInt64LE(at + 4));
        at += 12;
        for (let i = 0; i < n; i++) skip(inner);
      } else {
        const size = SIZES[type];
        if (size === undefined) throw new Error(`unknown GGUF type ${type}`);
        at += size;
      }
    };
    for (let i = 0; i < kvCount; i++) {
      const key = str();
      const type = b.readUInt32LE(at);
      at += 4;
      if (key === "general.name" && type === STRING) return str().trim() || fallback;
      skip(type);
    }
    return fallback;
  } catch {
    // Past the bytes read (a huge vocabulary first) or not a GGUF: the file name will do.
    return fallback;
  } finally {
    await handle?.close();
  }
}
