import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../support/api";
import { makePdf, uploadFile } from "../support/documents";
import { createTestStack, type TestStack } from "../support/node";
import { collect, connectClient, emitAck, once } from "../support/sockets";

/** One member's big document does not hold up another's small one (default config). */
describe("ingest concurrency", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack("sqlite");
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("indexes a small upload while a 300-page PDF is still indexing", async () => {
    const { url } = await stack.startNode();
    const api = apiClient(url);
    const alice = await api.register("alice");
    const bob = await api.register("bob");
    const aliceSession = (await api.post("/chat/sessions", {}, alice.token)).body.id;
    const bobSession = (await api.post("/chat/sessions", {}, bob.token)).body.id;
    const aliceSocket = await connectClient(url, alice.token);
    const bobSocket = await connectClient(url, bob.token);
    await emitAck(aliceSocket, "session:join", { sessionId: aliceSession });
    await emitAck(bobSocket, "session:join", { sessionId: bobSession });
    try {
      const pages = Array.from({ length: 300 }, (_, p) =>
        Array.from({ length: 20 }, (_, l) => `Page ${p + 1} line ${l + 1}: clause ${p * 20 + l}.`),
      );
      const aliceEvents = collect(aliceSocket, "document:progress");
      const aliceReady = once(
        aliceSocket,
        "document:progress",
        (p) => p.status === "ready",
        120_000,
      );
      const big = await uploadFile(url, alice.token, aliceSession, "big.pdf", await makePdf(pages));
      expect(big.status).toBe(202);
      // Once Alice's ingest is under way, Bob uploads a one-paragraph note.
      await once(aliceSocket, "document:progress", (p) => p.progress > 0.02, 60_000);
      const small = await uploadFile(url, bob.token, bobSession, "note.md", "# Note\n\nShort.\n");
      expect(small.status).toBe(202);
      const bobDone = await once(
        bobSocket,
        "document:progress",
        (p) => p.documentId === small.body.id && p.status !== "processing",
        60_000,
      );
      expect(bobDone.status).toBe("ready");
      // Bob's was ready while Alice's was still being indexed.
      expect(aliceEvents.some((p) => p.status === "ready")).toBe(false);
      expect((await aliceReady).documentId).toBe(big.body.id);
    } finally {
      aliceSocket.close();
      bobSocket.close();
    }
  }, 120_000);
});
