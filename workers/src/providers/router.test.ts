import { describe, expect, it } from "vitest";
import type { LlmProvider } from "./LlmProvider";
import { routeProviders } from "./router";

const fake = (name: string): LlmProvider => ({
  name,
  defaultModel: `${name}-default`,
  models: [],
  stream: async function* () {},
});
const providers = new Map(["groq", "openai", "offline"].map((n) => [n, fake(n)]));
const names = (steps: ReturnType<typeof routeProviders>) =>
  steps.map((s) => `${s.provider.name}:${s.model ?? ""}`);

describe("routeProviders", () => {
  it("tries the request's preference, then the session's, then AI_PROVIDER_ORDER, each once", () => {
    const steps = routeProviders(providers, ["groq", "local", "openai", "offline"], {
      requested: "openai",
      requestedModel: "m1",
      sessionProvider: "groq",
      sessionModel: "g1",
    });
    expect(names(steps)).toEqual(["openai:m1", "groq:g1", "offline:"]);
  });

  it("skips unconfigured providers and always ends with offline", () => {
    expect(names(routeProviders(providers, ["local", "groq"], { requested: "local" }))).toEqual([
      "groq:",
      "offline:",
    ]);
  });
});
