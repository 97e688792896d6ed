import type { Readable } from "node:stream";

/**
 * Where uploaded documents' bytes live: local disk under UPLOAD_DIR (default) or
 * Supabase Storage. Keys are chosen by the server (`storageKey`), never by clients.
 */
export interface FileStore {
  readonly kind: "local" | "supabase";
  /** Stores the file at `sourcePath` (a finished temp file) under `key`; the source is left alone. */
  put(key: string, sourcePath: string, contentType: string): Promise<void>;
  /** The stored bytes as a stream (downloads). */
  stream(key: string): Promise<Readable>;
  /** The stored bytes at once (ingest; files are bounded by MAX_UPLOAD_SIZE_MB). */
  read(key: string): Promise<Buffer>;
  /** Removes the object; an unknown key is not an error. */
  remove(key: string): Promise<void>;
}

const KEY = /^[a-z0-9][a-z0-9-]{0,80}(\.[a-z0-9]{1,10})?$/;

/** Refuses anything but a server-generated key (no separators, no dots but one suffix). */
export function assertStorageKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`not a storage key: ${JSON.stringify(key)}`);
  return key;
}
