import { authResponseSchema, sessionSchema, userSchema } from "@engunity/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";
import type { RealtimeNode } from "../src";
import { createApp } from "../src/http/app";
import { API_ROUTES, openApiPath } from "../src/http/openapi";

interface Layer {
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** Every `METHOD /path` Express serves, walking mounted routers (Express 5 layers). */
function servedRoutes(stack: Layer[], prefix = ""): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      for (const method of Object.keys(layer.route.methods)) {
        out.push(`${method} ${(prefix + layer.route.path).replace(/\/+/g, "/")}`);
      }
    } else if (layer.handle.stack) {
      const mount = layer.rawPath && layer.rawPath !== "/" ? layer.rawPath : "";
      out.push(...servedRoutes(layer.handle.stack, prefix + mount));
    }
  }
  return out;
}

describe("the OpenAPI document", () => {
  let stack: TestStack;
  let node: RealtimeNode;
  let api: ApiClient;

  beforeAll(async () => {
    stack = await createTestStack("sqlite", { worker: false });
    node = await stack.startNode();
    api = apiClient(node.url);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("is served at /api/v1/openapi.json as OpenAPI 3.1 with every route of the table", async () => {
    const res = await fetch(`${node.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, object> };
    expect(doc.openapi).toBe("3.1.0");
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m} ${path}`),
    );
    expect(documented.sort()).toEqual(
      API_ROUTES.map((r) => `${r.method} ${openApiPath(r.path)}`).sort(),
    );
  });

  it("agrees with the routes Express serves under /api/v1, both ways", () => {
    // The app as the node builds it (the server's own listener is Socket.IO's wrapper).
    const app = createApp(node.ctx) as unknown as { router: { stack: Layer[] } };
    const served = servedRoutes(app.router.stack)
      .filter((r) => r.split(" ")[1]!.startsWith("/api/v1/"))
      .map((r) => r.replace(" /api/v1", " ").replace(/(.)\/$/, "$1"));
    // A trailing slash is the same route to Express (`/chat/` is `/chat`).
    const table = API_ROUTES.map((r) => `${r.method} ${r.path}`.replace(/(.)\/$/, "$1"));
    expect([...new Set(served)].sort()).toEqual([...new Set(table)].sort());
  });

  it("describes what the routes really answer", async () => {
    const registered = await fetch(`${node.url}/api/v1/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        username: "spec",
        email: "spec@example.com",
        password: "correct horse battery",
      }),
    });
    expect(registered.status).toBe(201);
    const auth = authResponseSchema.parse(await registered.json());
    userSchema.parse((await api.get("/auth/me", auth.accessToken)).body);
    const created = await api.post("/chat/sessions", { title: "spec" }, auth.accessToken);
    sessionSchema.parse(created.body);
    z.object({ sessions: z.array(sessionSchema) }).parse(
      (await api.get("/chat/", auth.accessToken)).body,
    );
  });
});
