import { describe, expect, it } from "vitest";
import type { LlmProvider } from "./LlmProvider";
import { type RouteTable, routeProviders } from "./router";

const fake = (name: string): LlmProvider => ({
  name,
  defaultModel: `${name}-default`,
  stream: async function* () {},
});
const providers = new Map(["groq", "openai", "local", "offline"].map((n) => [n, fake(n)]));
const table = (order: string[]): RouteTable => ({
  order,
  isRemote: (n) => n === "groq" || n === "openai",
  quality: { provider: "openai", model: "big" },
});
const names = (steps: ReturnType<typeof routeProviders>) =>
  steps.map((s) => `${s.provider.name}:${s.model ?? ""}`);

describe("routeProviders", () => {
  it("tries the request's choice, then the session's, then AI_PROVIDER_ORDER, each once", () => {
    const steps = routeProviders(providers, table(["groq", "openai", "offline"]), {
      requested: "openai",
      requestedModel: "m1",
      sessionProvider: "groq",
      sessionModel: "g1",
    });
    expect(names(steps)).toEqual(["openai:m1", "groq:g1", "offline:"]);
  });

  it("skips unconfigured providers and always ends with offline", () => {
    const some = new Map([...providers].filter(([n]) => n !== "local"));
    expect(names(routeProviders(some, table(["local", "groq"]), { requested: "local" }))).toEqual([
      "groq:",
      "offline:",
    ]);
  });

  it("fast puts Groq first, quality the configured large model", () => {
    const order = table(["openai", "local", "groq", "offline"]);
    expect(names(routeProviders(providers, order, { preference: "fast" }))[0]).toBe("groq:");
    expect(names(routeProviders(providers, order, { preference: "quality" }))[0]).toBe(
      "openai:big",
    );
  });

  it("private keeps only providers on this server, even when a remote one is asked for", () => {
    const steps = routeProviders(providers, table(["groq", "openai", "offline"]), {
      preference: "private",
      requested: "groq",
      sessionProvider: "openai",
    });
    expect(names(steps)).toEqual(["local:", "offline:"]);
  });
});
