import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../support/api";
import { askAndWait, uploadFile } from "../support/documents";
import { createTestStack, type DbKind, type TestStack } from "../support/node";
import { type ClientSocket, connectClient, emitAck, once, waitFor } from "../support/sockets";

/**
 * A document indexed by another embedder (an older built-in version, or before
 * EMBEDDINGS_MODEL_PATH changed) is never silently left out: answers say it is still
 * being indexed, and the next worker start re-ingests it with the current embedder.
 */
describe.each<DbKind>(["sqlite", "postgres"])("documents from another embedder on %s", (kind) => {
  let stack: TestStack;
  let api: ApiClient;
  let alice: { token: string };
  let socket: ClientSocket;

  beforeAll(async () => {
    stack = await createTestStack(kind);
  });
  afterAll(async () => {
    socket?.close();
    await stack?.close();
  });

  const ask = (sessionId: string, content: string) => askAndWait(socket, sessionId, content);

  it("says so in answers until re-ingested, and re-ingests it at the next worker start", async () => {
    const first = await stack.startNode();
    api = apiClient(first.url);
    alice = await api.register("alice");
    socket = await connectClient(first.url, alice.token);
    const sessionId = (await api.post("/chat/sessions", {}, alice.token)).body.id;
    expect((await emitAck(socket, "session:join", { sessionId })).ok).toBe(true);
    const up = await uploadFile(
      first.url,
      alice.token,
      sessionId,
      "warranty.md",
      "# Warranty\n\nThe warranty covers parts for three years.\n",
    );
    expect(up.status).toBe(202);
    await once(socket, "document:progress", (p) => p.documentId === up.body.id, 10_000);
    await waitFor(
      async () => (await first.ctx.db.models.Document.findByPk(up.body.id))?.status === "ready",
      "the document to be ready",
    );

    // As if an older embedder had indexed it.
    const { Document, DocumentChunk } = first.ctx.db.models;
    await Document.update({ embedderId: "hash-v2:384" }, { where: { id: up.body.id } });
    await DocumentChunk.update(
      { embedderId: "hash-v2:384" },
      { where: { documentId: up.body.id } },
    );
    const stale = await ask(sessionId, "@ai How long does the warranty cover parts?");
    expect(stale.metadata.citations ?? []).toEqual([]);
    expect(stale.metadata.notice).toMatch(/still being indexed \(warranty\.md\)/);

    // The next start re-ingests it with the current embedder.
    socket.close();
    await first.close();
    stack.nodes.splice(0, 1);
    const second = await stack.startNode();
    await waitFor(
      async () => {
        const doc = await second.ctx.db.models.Document.findByPk(up.body.id);
        return doc?.status === "ready" && doc.embedderId === "hash-v3:384";
      },
      "the re-ingest",
      20_000,
    );
    const chunks = await second.ctx.db.models.DocumentChunk.findAll({
      where: { documentId: up.body.id },
    });
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.every((c) => c.embedderId === "hash-v3:384")).toBe(true);

    socket = await connectClient(second.url, alice.token);
    expect((await emitAck(socket, "session:join", { sessionId })).ok).toBe(true);
    const fresh = await ask(sessionId, "@ai How long does the warranty cover parts?");
    expect(fresh.metadata.notice).toBeUndefined();
    expect(fresh.metadata.citations?.[0]).toMatchObject({ n: 1, filename: "warranty.md" });
  }, 60_000);
});
