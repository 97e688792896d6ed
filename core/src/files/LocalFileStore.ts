import { createReadStream } from "node:fs";
import { copyFile, mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { assertStorageKey, type FileStore } from "./FileStore";

/** Files on local disk, one per key, directly under `root` (UPLOAD_DIR). */
export class LocalFileStore implements FileStore {
  readonly kind = "local" as const;

  constructor(private readonly root: string) {}

  private path(key: string): string {
    return join(this.root, assertStorageKey(key));
  }

  async put(key: string, sourcePath: string): Promise<void> {
    await mkdir(this.root, { recursive: true });
    // COPYFILE_EXCL: a key is written once; a collision is a bug, not an overwrite.
    await copyFile(sourcePath, this.path(key), 1);
  }

  async stream(key: string): Promise<Readable> {
    const path = this.path(key);
    const stream = createReadStream(path);
    // Surface "no such file" here rather than mid-response.
    await new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", reject);
    });
    return stream;
  }

  read(key: string): Promise<Buffer> {
    return readFile(this.path(key));
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}
