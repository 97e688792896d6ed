import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../env";
import { listProviders } from "./providerListing";

const config = (env: Record<string, string>) =>
  loadConfig({
    DATA_DIR: "/tmp/engunity-listing",
    SECRET_KEY: "3f9a1c7e5b2d8f4a6c0e9b1d3f5a7c9e",
    ...env,
  });

describe("listProviders (GET /providers)", () => {
  it("lists only configured providers, in fallback order, offline always last", () => {
    const listing = listProviders(
      config({
        GROQ_API_KEY: "k",
        OPENAI_BASE_URL: "http://127.0.0.1:1/v1",
        AI_PROVIDER_ORDER: "openai,groq",
      }),
    );
    expect(listing.order).toEqual(["openai", "groq", "offline"]);
    expect(listing.default).toBe("openai");
    expect(listing.providers.map((p) => p.name)).toEqual(["openai", "groq", "offline"]);
  });

  it("defaults to offline with nothing configured, and to local with only a model path", () => {
    expect(listProviders(config({})).default).toBe("offline");
    expect(listProviders(config({ PHI2_LOCAL_PATH: "/models/phi2.gguf" })).default).toBe("local");
  });

  it("refuses an unknown provider name in AI_PROVIDER_ORDER at start-up", () => {
    expect(() => config({ AI_PROVIDER_ORDER: "gorq,offline" })).toThrow(ConfigError);
    expect(() => config({ AI_PROVIDER_ORDER: "gorq,offline" })).toThrow(/AI_PROVIDER_ORDER/);
  });
});
