import { createHash } from "node:crypto";
import { open, stat } from "node:fs/promises";

/** Bytes read from each end of a model file: enough to tell two files apart, cheap on a GB model. */
const SAMPLE = 1 << 20;

/**
 * A short, stable fingerprint of a model file for an embedder's `id`: its size and a
 * hash of its first and last MiB. Two different models never share vectors, and the
 * same file under another path keeps them.
 */
export async function modelFingerprint(file: string): Promise<string> {
  const { size } = await stat(file);
  const handle = await open(file, "r");
  try {
    const hash = createHash("sha256").update(String(size));
    const head = Buffer.alloc(Math.min(SAMPLE, size));
    await handle.read(head, 0, head.length, 0);
    hash.update(head);
    if (size > SAMPLE) {
      const tail = Buffer.alloc(Math.min(SAMPLE, size - SAMPLE));
      await handle.read(tail, 0, tail.length, size - tail.length);
      hash.update(tail);
    }
    return hash.digest("hex").slice(0, 12);
  } finally {
    await handle.close();
  }
}

/** Scales `v` to unit length in place (a zero vector stays zero) and returns it. */
export function normalizeInPlace(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}
