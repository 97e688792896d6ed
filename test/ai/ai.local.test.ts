import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMessages } from "@engunity/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTinyGguf } from "../../scripts/make-tiny-gguf";
import { type ApiClient, apiClient } from "../support/api";
import { createTestStack, type TestStack } from "../support/node";
import { connectClient, emitAck } from "../support/sockets";
import { startInProcessWorker } from "../support/worker";
import { AiViewer } from "./aiViewer";

/** The whole flow on the local provider (node-llama-cpp) with a generated tiny GGUF. */
describe("embedded mode with LLM_MODEL_PATH: the local provider answers", () => {
  let stack: TestStack;
  let api: ApiClient;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "engunity-gguf-"));
    const modelPath = join(dir, "tiny.gguf");
    writeFileSync(modelPath, makeTinyGguf({ seed: 11 }));
    stack = await createTestStack("sqlite");
    url = (
      await stack.startNode({ LLM_MODEL_PATH: modelPath, LLM_THREADS: "1", AI_MAX_TOKENS: "16" })
    ).url;
    api = apiClient(url);
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("streams the local model's tokens to the room and stores the same text", async () => {
    const { token } = await api.register("local");
    const sessionId = (await api.post("/chat/sessions", {}, token)).body.id;
    const socket = await connectClient(url, token);
    const v = new AiViewer(socket);
    try {
      expect((await emitAck(socket, "session:join", { sessionId })).ok).toBe(true);
      const sent = await emitAck(socket, "message:send", {
        sessionId,
        content: "hello",
        clientId: "l-1",
      });
      const id: string = sent.assistantMessageId;
      await v.until(() => Boolean(v.gen(id).done), 30_000, "ai:done from the local model");
      const done = v.gen(id).done!;
      expect(done).toMatchObject({
        status: "complete",
        // The GGUF's own name (general.name), read by the provider catalog.
        metadata: { provider: "local", model: "engunity-tiny-test" },
      });
      expect(done.content.length).toBeGreaterThan(0);
      expect(done.metadata.usage?.completionTokens).toBeGreaterThan(0);
      expect(v.gen(id).text).toBe(done.content);
      const providers = await api.get("/providers", token);
      expect(providers.body.default).toBe("local");
    } finally {
      socket.close();
    }
  }, 60_000);
});

describe("embedded start-up", () => {
  it("closes answers a previous process left streaming as errors", async () => {
    const stack = await createTestStack("sqlite", { worker: false });
    try {
      const node = await stack.startNode();
      const api = apiClient(node.url);
      const { user, token } = await api.register("orphan");
      const sessionId = (await api.post("/chat/sessions", {}, token)).body.id;
      const { messages } = await createMessages(node.ctx.db, [
        { sessionId, authorId: user.id, role: "user", content: "q" },
        { sessionId, authorId: null, role: "assistant", content: "", status: "streaming" },
      ]);
      const worker = await startInProcessWorker(node);
      try {
        const row = await node.ctx.db.models.ChatMessage.findByPk(messages[1]!.id);
        expect(row?.status).toBe("error");
        expect(row?.metadata.error).toMatch(/restarted/);
      } finally {
        await worker.close();
      }
    } finally {
      await stack.close();
    }
  });
});
