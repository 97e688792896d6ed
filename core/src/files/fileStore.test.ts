import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { text } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FileStore } from "./FileStore";
import { LocalFileStore } from "./LocalFileStore";
import { SupabaseFileStore } from "./SupabaseFileStore";

/**
 * A loopback server speaking Supabase Storage's object REST API as storage-js calls it:
 * `POST /storage/v1/object/<bucket>/<key>` (raw body, `x-upsert`),
 * `GET /storage/v1/object/<bucket>/<key>`, `DELETE /storage/v1/object/<bucket>`
 * with `{prefixes}`. It checks the service-role key like the real one.
 */
async function startFakeStorage(key: string) {
  const objects = new Map<string, { body: Buffer; type: string }>();
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const reply = (status: number, json: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(json));
    };
    if (req.headers.authorization !== `Bearer ${key}` || req.headers.apikey !== key)
      return reply(400, { statusCode: "403", error: "Unauthorized", message: "invalid signature" });
    const m = /^\/storage\/v1\/object\/([^/]+)(?:\/(.+))?$/.exec(req.url ?? "");
    if (!m) return reply(404, { statusCode: "404", error: "not_found", message: "no route" });
    const [, bucket, name] = m;
    const id = `${bucket}/${name}`;
    if (req.method === "POST" && name) {
      if (objects.has(id) && req.headers["x-upsert"] !== "true")
        return reply(400, {
          statusCode: "409",
          error: "Duplicate",
          message: "The resource already exists",
        });
      objects.set(id, { body, type: String(req.headers["content-type"]) });
      return reply(200, { Key: id, Id: "00000000-0000-4000-8000-000000000001" });
    }
    if (req.method === "GET" && name) {
      const obj = objects.get(id);
      if (!obj)
        return reply(400, { statusCode: "404", error: "not_found", message: "Object not found" });
      res.writeHead(200, { "content-type": obj.type, "content-length": obj.body.length });
      return res.end(obj.body);
    }
    if (req.method === "DELETE" && !name) {
      const { prefixes } = JSON.parse(body.toString()) as { prefixes: string[] };
      const gone = prefixes.filter((p) => objects.delete(`${bucket}/${p}`));
      return reply(
        200,
        gone.map((p) => ({ name: p, bucket_id: bucket })),
      );
    }
    reply(405, { statusCode: "405", error: "method", message: "not allowed" });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    objects,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const dir = mkdtempSync(join(tmpdir(), "engunity-files-"));
const source = join(dir, "source.part");
writeFileSync(source, "hello, documents\n");
let storage: Awaited<ReturnType<typeof startFakeStorage>>;
beforeAll(async () => {
  storage = await startFakeStorage("service-role-key");
});
afterAll(() => storage.close());

/** The same contract on both stores. */
describe.each<[string, () => FileStore]>([
  ["local disk", () => new LocalFileStore(join(dir, "uploads"))],
  ["Supabase Storage", () => new SupabaseFileStore(storage.url, "service-role-key", "documents")],
])("FileStore on %s", (name, make) => {
  it("puts, streams, reads and removes an object under a server key", async () => {
    const store = make();
    const key = "6f1c2a0e-0000-4000-8000-000000000001.txt";
    await store.put(key, source, "text/plain");
    expect((await store.read(key)).toString()).toBe("hello, documents\n");
    expect(await text(await store.stream(key))).toBe("hello, documents\n");
    await expect(store.put(key, source, "text/plain")).rejects.toThrow();
    await store.remove(key);
    await expect(store.read(key)).rejects.toThrow();
    await store.remove(key);
    if (name === "Supabase Storage") expect(storage.objects.size).toBe(0);
    else expect(readdirSync(join(dir, "uploads"))).toEqual([]);
  });

  it("refuses keys that are not server-generated", async () => {
    const store = make();
    for (const key of ["../x", "a/b", "", ".hidden", "x\u0000.txt"])
      await expect(store.put(key, source, "text/plain")).rejects.toThrow(/storage key/);
  });
});
