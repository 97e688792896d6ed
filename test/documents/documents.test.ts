import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { Message } from "@engunity/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../support/api";
import {
  makeDocx,
  makeManyEntryZip,
  makePdf,
  makeZipBomb,
  squash,
  uploadFile,
} from "../support/documents";
import { createTestStack, type DbKind, type TestStack } from "../support/node";
import { type ClientSocket, collect, connectClient, emitAck, once } from "../support/sockets";

type Who = { user: { id: string; username: string }; token: string };

/** Files of every supported kind, generated here, with the paragraphs each must keep. */
async function sources() {
  const markdown = [
    "# Release guide",
    "",
    "The release train leaves every second Tuesday.",
    "",
    "## Freezing",
    "",
    "Code freeze begins forty-eight hours before the train departs.",
    "",
    "```sh",
    "npm run release -- --dry-run",
    "```",
    "",
  ].join("\n");
  const html =
    "<!doctype html><html><head><title>x</title><script>alert(1)</script></head><body>" +
    "<h1>Onboarding</h1><p>New engineers pair with a buddy for two weeks.</p>" +
    "<h2>Laptops</h2><p>Laptops are ordered by the office manager.</p></body></html>";
  const csv = "city,population\nLisbon,545000\nPorto,232000\n";
  const code = [
    "export function add(a: number, b: number): number {",
    "  return a + b;",
    "}",
    "",
    "export function mul(a: number, b: number): number {",
    "  return a * b;",
    "}",
    "",
  ].join("\n");
  const pdf = await makePdf([
    ["The warranty covers parts for three years.", "Labour is covered for one year."],
    ["Returns are accepted within thirty days of delivery."],
  ]);
  const docx = makeDocx([
    { text: "Travel policy", heading: 1 },
    { text: "Economy class is booked for flights under six hours." },
    { text: "Per diem", heading: 2 },
    { text: "The daily allowance is forty euros." },
  ]);
  return [
    {
      name: "guide.md",
      bytes: markdown,
      kind: "text/markdown",
      expect: [
        "The release train leaves every second Tuesday.",
        "Code freeze begins forty-eight hours",
        "npm run release -- --dry-run",
      ],
      headings: ["Release guide", "Release guide > Freezing"],
    },
    {
      name: "onboarding.html",
      bytes: html,
      kind: "text/html",
      expect: [
        "New engineers pair with a buddy for two weeks.",
        "Laptops are ordered by the office manager.",
      ],
      headings: ["Onboarding", "Onboarding > Laptops"],
    },
    {
      name: "cities.csv",
      bytes: csv,
      kind: "text/csv",
      expect: ["Lisbon,545000", "Porto,232000"],
      headings: ["Columns: city, population"],
    },
    {
      name: "math.ts",
      bytes: code,
      kind: "text/x-source",
      expect: ["return a + b;", "return a * b;"],
      headings: [],
    },
    {
      name: "warranty.pdf",
      bytes: pdf,
      kind: "application/pdf",
      expect: [
        "The warranty covers parts for three years.",
        "Returns are accepted within thirty days of delivery.",
      ],
      headings: [],
      pages: [1, 2],
    },
    {
      name: "travel.docx",
      bytes: docx,
      kind: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      expect: [
        "Economy class is booked for flights under six hours.",
        "The daily allowance is forty euros.",
      ],
      headings: ["Travel policy", "Travel policy > Per diem"],
    },
  ];
}

describe.each<DbKind>(["sqlite", "postgres"])("documents on %s", (kind) => {
  let stack: TestStack;
  let api: ApiClient;
  let url: string;
  let uploadDir: string;
  let alice: Who;
  let bob: Who;
  let carol: Who;
  let sessionId: string;
  let aliceSocket: ClientSocket;
  let bobSocket: ClientSocket;
  const limitBytes = 512 * 1024;
  // Built up front: making them blocks the loop for a moment, and a test that blocks
  // between requests can hand undici a kept-alive socket the server already closed.
  const bombs = { size: makeZipBomb(100), entries: makeManyEntryZip(3000) };

  const tempFiles = () => {
    try {
      return readdirSync(join(uploadDir, ".tmp"));
    } catch {
      return [];
    }
  };
  const storedFiles = () => {
    try {
      return readdirSync(uploadDir).filter((f) => f !== ".tmp");
    } catch {
      return [];
    }
  };
  const countRows = async () => ({
    docs: await stack.nodes[0]!.ctx.db.models.Document.count(),
    chunks: await stack.nodes[0]!.ctx.db.models.DocumentChunk.count(),
  });

  /** Uploads and waits for the document to be ready, collecting its progress events. */
  async function ingest(who: Who, sid: string, name: string, bytes: Uint8Array | string) {
    const socket = who === bob ? bobSocket : aliceSocket;
    const events = collect(socket, "document:progress");
    const res = await uploadFile(url, who.token, sid, name, bytes);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const id = res.body.id as string;
    const done = await once(
      socket,
      "document:progress",
      (p) => p.documentId === id && p.status !== "processing",
      20_000,
    ).catch(async (err) => {
      // Already over before we listened: the collected events have it.
      const over = events.find((p) => p.documentId === id && p.status !== "processing");
      if (over) return over;
      throw err;
    });
    return { doc: res.body, done, events: events.filter((p) => p.documentId === id) };
  }

  beforeAll(async () => {
    stack = await createTestStack(kind);
    const node = await stack.startNode({
      MAX_UPLOAD_SIZE_MB: String(limitBytes / 1048576),
      UPLOAD_QUOTA_MB: String((limitBytes * 40) / 1048576),
    });
    url = node.url;
    uploadDir = node.ctx.config.UPLOAD_DIR;
    api = apiClient(url);
    [alice, bob, carol] = [
      await api.register("alice"),
      await api.register("bob"),
      await api.register("carol"),
    ];
    sessionId = (await api.post("/chat/sessions", { title: "Docs" }, alice.token)).body.id;
    expect(
      (
        await api.post(
          `/chat/${sessionId}/members`,
          { username: "bob", role: "viewer" },
          alice.token,
        )
      ).status,
    ).toBe(201);
    aliceSocket = await connectClient(url, alice.token);
    bobSocket = await connectClient(url, bob.token);
    for (const s of [aliceSocket, bobSocket])
      expect((await emitAck(s, "session:join", { sessionId })).ok).toBe(true);
  });
  afterAll(async () => {
    aliceSocket?.close();
    bobSocket?.close();
    await stack?.close();
  });

  it("ingests PDF, DOCX, HTML, Markdown, CSV and code into chunks that are source text, with progress", async () => {
    const db = stack.nodes[0]!.ctx.db;
    for (const src of await sources()) {
      const { doc, done, events } = await ingest(alice, sessionId, src.name, src.bytes);
      expect(doc).toMatchObject({ status: "processing", filename: src.name, fileType: src.kind });
      expect(done, `${src.name}: ${done.error}`).toMatchObject({ status: "ready", progress: 1 });
      // Progress only grows and ends at 1.
      const fractions = events.map((e) => e.progress);
      expect(fractions.length).toBeGreaterThanOrEqual(2);
      expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
      const chunks = await db.models.DocumentChunk.findAll({
        where: { documentId: doc.id },
        order: [["ordinal", "ASC"]],
      });
      expect(chunks.length).toBeGreaterThan(0);
      const source = typeof src.bytes === "string" ? squash(src.bytes) : null;
      const all = squash(chunks.map((c) => c.text).join(" "));
      for (const line of src.expect) expect(all, src.name).toContain(squash(line));
      // Text formats: each chunk is a contiguous piece of the file, lines pointing at it.
      if (source && src.kind !== "text/html") {
        const lines = (src.bytes as string).split("\n");
        for (const c of chunks) {
          expect(source).toContain(squash(c.text));
          expect(c.lineStart).toBeGreaterThan(0);
          const cited = squash(lines.slice(c.lineStart! - 1, c.lineEnd!).join("\n"));
          expect(cited).toContain(squash(c.text).slice(0, 20));
        }
      }
      expect(new Set(chunks.map((c) => c.headingPath).filter(Boolean))).toEqual(
        new Set(src.headings),
      );
      if (src.pages) expect(chunks.map((c) => c.page)).toEqual(src.pages);
      expect(chunks[0]!.vector.byteLength).toBe(384 * 4);
      expect(chunks.every((c) => c.embedderId === "hash-v3:384")).toBe(true);
    }
    const list = await api.get(`/chat/${sessionId}/documents`, bob.token);
    expect(list.status).toBe(200);
    expect(list.body.documents.map((d: { filename: string }) => d.filename)).toHaveLength(6);
    expect(list.body.documents.every((d: { status: string }) => d.status === "ready")).toBe(true);
  });

  it("downloads as an attachment with nosniff, to members only", async () => {
    const { doc } = await ingest(
      alice,
      sessionId,
      "page.html",
      "<html><body><p>x</p></body></html>",
    );
    const res = await fetch(`${url}/api/v1/documents/${doc.id}/download`, {
      headers: { authorization: `Bearer ${bob.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="page.html"/);
    expect(await res.text()).toBe("<html><body><p>x</p></body></html>");
    expect((await api.get(`/documents/${doc.id}/download`, carol.token)).status).toBe(404);
    expect((await api.del(`/documents/${doc.id}`, bob.token)).status).toBe(403);
    expect((await api.del(`/documents/${doc.id}`, carol.token)).status).toBe(404);
    const before = storedFiles().length;
    expect((await api.del(`/documents/${doc.id}`, alice.token)).status).toBe(204);
    expect(storedFiles().length).toBe(before - 1);
    expect(
      await stack.nodes[0]!.ctx.db.models.DocumentChunk.count({ where: { documentId: doc.id } }),
    ).toBe(0);
    expect((await api.get(`/documents/${doc.id}/download`, alice.token)).status).toBe(404);
  });

  it("refuses bad uploads with a clear error, storing nothing and leaving no temp file", async () => {
    const before = await countRows();
    const files = storedFiles().length;
    const fds = readdirSync("/proc/self/fd").length;
    const cases: [string, Uint8Array | string, number, string | RegExp, Who?][] = [
      ["big.txt", "a".repeat(limitBytes + 1), 413, /limit/],
      ["empty.txt", "", 400, /empty/],
      ["fake.pdf", "<!doctype html><html><body>hi</body></html>", 415, /HTML, not a PDF/],
      ["bomb.docx", bombs.size, 415, /decompression bomb/],
      ["many.docx", bombs.entries, 415, /entries/],
      ["../../x.txt", "hello", 400, /path/],
      ["gpj\u202e.md", "hello", 400, /bidi or invisible/],
      // undici sends the NUL raw in the part header; busboy refuses that header.
      ["nul\u0000.txt", "hello", 400, /control characters|Malformed multipart body \(.+\)/],
      [
        "image.png",
        new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]),
        415,
        /PNG/,
      ],
      ["blob.bin", new Uint8Array([0, 1, 2, 3, 0, 0, 0, 255]), 415, /binary/],
      ["ok.txt", "a viewer may not upload", 403, /viewer/, bob],
    ];
    for (const [name, bytes, status, message, who] of cases) {
      const res = await uploadFile(url, (who ?? alice).token, sessionId, name, bytes).catch(
        (err) => {
          throw new Error(`${name}: ${err.cause?.message ?? err.message}`);
        },
      );
      expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(status);
      expect(res.body.error.message, name).toMatch(message);
      expect(tempFiles(), name).toEqual([]);
    }
    // A non-member's upload is a session that does not exist.
    expect((await uploadFile(url, carol.token, sessionId, "c.txt", "x")).status).toBe(404);
    expect(await countRows()).toEqual(before);
    expect(storedFiles().length).toBe(files);
    expect(readdirSync("/proc/self/fd").length).toBeLessThanOrEqual(fds + 2);
  });

  it("keeps a non-ASCII file name as sent, in the list and on download", async () => {
    // Ingested to the end, so no chunk of it lands while a later test counts rows.
    const { doc, done } = await ingest(alice, sessionId, "résumé 日本語.md", "# CV\n\nhello");
    expect(done.status).toBe("ready");
    const res = { body: doc };
    expect(res.body.filename).toBe("résumé 日本語.md");
    const download = await fetch(`${url}/api/v1/documents/${res.body.id}/download`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(download.headers.get("content-disposition")).toContain(
      `filename*=UTF-8''${encodeURIComponent("résumé 日本語.md")}`,
    );
    await download.arrayBuffer();
  });

  it("cleans up after a client that aborts mid-upload", async () => {
    const before = await countRows();
    const { request } = await import("node:http");
    const boundary = "----abort";
    const req = request(`${url}/api/v1/chat/${sessionId}/documents`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${alice.token}`,
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "content-length": String(limitBytes),
      },
    });
    req.on("error", () => {});
    req.write(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="half.txt"\r\nContent-Type: text/plain\r\n\r\n${"y".repeat(20_000)}`,
    );
    // The temp file exists while the upload is in flight…
    const deadline = Date.now() + 5000;
    while (tempFiles().length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(tempFiles()).toHaveLength(1);
    req.destroy();
    // …and is gone once the server sees the client leave.
    while (tempFiles().length > 0 && Date.now() < deadline + 5000)
      await new Promise((r) => setTimeout(r, 10));
    expect(tempFiles()).toEqual([]);
    expect(await countRows()).toEqual(before);
  });

  it("enforces the per-user storage quota", async () => {
    const db = stack.nodes[0]!.ctx.db;
    const used = Number(
      (await db.models.Document.sum("sizeBytes", { where: { userId: alice.user.id } })) ?? 0,
    );
    const quota = limitBytes * 40;
    // Fill up to just under the quota with rows (bytes on disk do not matter to the count).
    await db.models.Document.create({
      userId: alice.user.id,
      sessionId,
      filename: "filler.txt",
      filePath: "filler.txt",
      fileType: "text/plain",
      sizeBytes: quota - used - 10,
      status: "failed",
    });
    const res = await uploadFile(url, alice.token, sessionId, "over.txt", "x".repeat(20));
    expect(res.status).toBe(413);
    expect(res.body.error.message).toMatch(/quota/);
    expect(tempFiles()).toEqual([]);
    await db.models.Document.destroy({ where: { filename: "filler.txt" } });
  });

  it("answers a question with a citation to the right chunk, seen identically by both members; another session's documents never appear", async () => {
    // Carol's private document, in a session Alice and Bob are not in.
    const carolSession = (await api.post("/chat/sessions", {}, carol.token)).body.id;
    const carolSocket = await connectClient(url, carol.token);
    await emitAck(carolSocket, "session:join", { sessionId: carolSession });
    const carolUpload = await uploadFile(
      url,
      carol.token,
      carolSession,
      "secret.md",
      "# Secret\n\nThe warranty secret code is PINEAPPLE-42 for three years.\n",
    );
    expect(carolUpload.status).toBe(202);
    await once(carolSocket, "document:progress", (p) => p.status === "ready", 10_000);
    carolSocket.close();

    const doneA = once(aliceSocket, "ai:done", () => true, 15_000);
    const doneB = once(bobSocket, "ai:done", () => true, 15_000);
    const sent = await emitAck(aliceSocket, "message:send", {
      sessionId,
      content: "@ai How many years does the warranty cover parts?",
      clientId: `q-${kind}`,
    });
    expect(sent.ok).toBe(true);
    const [a, b] = (await Promise.all([doneA, doneB])).map((d) => d.message as Message) as [
      Message,
      Message,
    ];
    expect(a).toEqual(b);
    expect(a.metadata.provider).toBe("offline");
    const citations = a.metadata.citations ?? [];
    expect(citations.length).toBeGreaterThan(0);
    expect(citations[0]).toMatchObject({ n: 1, filename: "warranty.pdf", page: 1 });
    expect(citations[0]!.text).toContain("The warranty covers parts for three years.");
    expect(a.content).toContain("[1]");
    // The cited chunk id is the stored chunk with that text.
    const chunk = await stack.nodes[0]!.ctx.db.models.DocumentChunk.findByPk(citations[0]!.chunkId);
    expect(chunk?.text).toBe(citations[0]!.text);
    // Carol's document is nowhere: not cited, not in the answer, search or export.
    for (const c of citations) expect(c.filename).not.toBe("secret.md");
    expect(a.content).not.toContain("PINEAPPLE");
    const search = await api.get("/search?q=PINEAPPLE", alice.token);
    expect(JSON.stringify(search.body)).not.toContain("PINEAPPLE");
    const exported = await api.get(`/chat/${sessionId}/export?format=json`, alice.token);
    expect(exported.text).not.toContain("PINEAPPLE");
    expect(exported.text).not.toContain(carolUpload.body.id);
    const listed = await api.get(`/chat/${sessionId}/documents`, alice.token);
    expect(JSON.stringify(listed.body)).not.toContain("secret.md");
  });
});
