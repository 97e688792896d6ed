import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";
import { startTcpProxy, type TcpProxy } from "../../test/support/tcpProxy";

/**
 * QUALITY.md fault 5: Postgres goes away. Requests answer 503 `unavailable`, nothing
 * crashes, the pool recovers, and a retried send with the same clientId is stored once.
 */
describe("Postgres unavailable", () => {
  let stack: TestStack;
  let proxy: TcpProxy;
  let api: ApiClient;
  let token: string;
  let sessionId: string;

  beforeAll(async () => {
    stack = await createTestStack("postgres");
    proxy = await startTcpProxy(5432);
    const url = new URL(stack.env.DATABASE_URL!);
    url.port = String(proxy.port);
    const node = await stack.startNode({ DATABASE_URL: url.toString() });
    api = apiClient(node.url);
    token = (await api.register("pat")).token;
    sessionId = (await api.post("/chat/sessions", { title: "s" }, token)).body.id;
  });
  afterAll(async () => {
    await stack?.close();
    await proxy?.close();
  });

  it("answers 503 while the database is down and recovers when it is back", async () => {
    expect((await api.get("/health")).body).toMatchObject({ status: "ok", db: "ok" });
    await proxy.cut();

    const health = await api.get("/health");
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: "unavailable", db: "down" });
    const send = await api.post(
      "/chat/",
      { sessionId, content: "during outage", clientId: "retry-1", ai: false },
      token,
    );
    expect(send.status).toBe(503);
    expect(send.body.error.code).toBe("unavailable");
    expect((await api.get("/chat/", token)).status).toBe(503);

    await proxy.restore();
    // The pool reconnects on demand: the first request after the outage succeeds.
    expect((await api.get("/health")).status).toBe(200);
    const retried = await api.post(
      "/chat/",
      { sessionId, content: "during outage", clientId: "retry-1", ai: false },
      token,
    );
    expect(retried.status).toBe(200);
    const again = await api.post(
      "/chat/",
      { sessionId, content: "during outage", clientId: "retry-1", ai: false },
      token,
    );
    expect(again.body.userMessage.id).toBe(retried.body.userMessage.id);
    const history = await api.get(`/chat/${sessionId}`, token);
    expect(history.body.messages.map((m: { content: string }) => m.content)).toEqual([
      "during outage",
    ]);
  });
});
