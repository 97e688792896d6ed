import type { Message } from "@engunity/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../support/api";
import { uploadFile } from "../support/documents";
import { createTestStack, type TestStack } from "../support/node";
import { type ClientSocket, connectClient, emitAck, once } from "../support/sockets";

/** Scaled mode: ingest on BullMQ, document events over Redis, two nodes with a worker each. */
describe("documents in scaled mode (Postgres, Redis, BullMQ)", () => {
  let stack: TestStack;
  let sockets: ClientSocket[] = [];
  beforeAll(async () => {
    stack = await createTestStack("postgres", { redis: true });
    await stack.startNode();
    await stack.startNode();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await stack?.close();
  });

  it("ingests through the queue, answers from either node, and forgets a deleted document everywhere", async () => {
    const [a, b] = stack.nodes.map((n) => n.url) as [string, string];
    const apiA = apiClient(a);
    const apiB = apiClient(b);
    const alice = await apiA.register("alice");
    const sessionId = (await apiA.post("/chat/sessions", {}, alice.token)).body.id;
    const sa = await connectClient(a, alice.token);
    const sb = await connectClient(b, alice.token);
    sockets = [sa, sb];
    for (const s of sockets)
      expect((await emitAck(s, "session:join", { sessionId })).ok).toBe(true);

    // Uploaded on A; whichever worker takes the job, both nodes' rooms hear it.
    const readyOnB = once(sb, "document:progress", (p) => p.status === "ready", 20_000);
    const up = await uploadFile(
      a,
      alice.token,
      sessionId,
      "runbook.md",
      "# Runbook\n\nRestart the ingest service with systemctl restart engunity-ingest.\n",
    );
    expect(up.status).toBe(202);
    expect((await readyOnB).documentId).toBe(up.body.id);

    const ask = async (content: string, clientId: string): Promise<Message> => {
      const done = once(sb, "ai:done", () => true, 15_000);
      expect((await emitAck(sb, "message:send", { sessionId, content, clientId })).ok).toBe(true);
      return (await done).message;
    };
    const first = await ask("How do I restart the ingest service?", "r1");
    expect(first.metadata.citations?.[0]).toMatchObject({ filename: "runbook.md", n: 1 });

    const gone = once(sa, "document:deleted", () => true);
    expect((await apiB.del(`/documents/${up.body.id}`, alice.token)).status).toBe(204);
    await gone;
    const second = await ask("How do I restart the ingest service?", "r2");
    expect(second.metadata.citations).toBeUndefined();
    expect(second.content).not.toContain("systemctl");
  });
});
