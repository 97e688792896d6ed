import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import WebSocket from "ws";
import { assertStorageKey, type FileStore } from "./FileStore";

/** Supabase Storage through `@supabase/supabase-js`; objects live in one bucket. */
export class SupabaseFileStore implements FileStore {
  readonly kind = "supabase" as const;
  private readonly client: SupabaseClient;

  constructor(
    url: string,
    serviceRoleKey: string,
    private readonly bucket: string,
  ) {
    this.client = createClient(url, serviceRoleKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      // supabase-js builds its realtime client eagerly and Node 20 has no global
      // WebSocket; we never subscribe, but it needs a transport to construct.
      realtime: { transport: WebSocket as never },
    });
  }

  private objects() {
    return this.client.storage.from(this.bucket);
  }

  async put(key: string, sourcePath: string, contentType: string): Promise<void> {
    // A file stream, sent as the raw body: the file is never held in memory whole.
    const { error } = await this.objects().upload(
      assertStorageKey(key),
      createReadStream(sourcePath),
      { contentType, upsert: false, duplex: "half" },
    );
    if (error) throw new Error(`Supabase Storage upload failed: ${error.message}`);
  }

  async stream(key: string): Promise<Readable> {
    const blob = await this.download(key);
    return Readable.fromWeb(blob.stream() as import("node:stream/web").ReadableStream);
  }

  async read(key: string): Promise<Buffer> {
    return Buffer.from(await (await this.download(key)).arrayBuffer());
  }

  private async download(key: string): Promise<Blob> {
    const { data, error } = await this.objects().download(assertStorageKey(key));
    if (error || !data) throw new Error(`Supabase Storage download failed: ${error?.message}`);
    return data;
  }

  async remove(key: string): Promise<void> {
    const { error } = await this.objects().remove([assertStorageKey(key)]);
    if (error) throw new Error(`Supabase Storage remove failed: ${error.message}`);
  }
}
