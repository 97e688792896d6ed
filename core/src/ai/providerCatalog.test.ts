import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTinyGguf } from "../../../scripts/make-tiny-gguf";
import { loadConfig } from "../env";
import { ProviderCatalog } from "./providerCatalog";
import { MemoryProviderHealth } from "./providerHealth";

const config = (env: Record<string, string>) =>
  loadConfig({
    DATA_DIR: "/tmp/engunity-catalog",
    SECRET_KEY: "3f9c1a7e5b2d8046f1e9a3c7b5d20e8a",
    ...env,
  });

/** A fetch that answers `GET /models` from a list, counting calls. */
function modelsFetch(models: string[] | null) {
  const calls: string[] = [];
  const fetchImpl = (async (url: string) => {
    calls.push(url);
    if (!models) return new Response("{}", { status: 500 });
    return Response.json({ data: models.map((id) => ({ id })) });
  }) as unknown as typeof fetch;
  return { calls, fetchImpl };
}

describe("ProviderCatalog (GET /providers and the workers)", () => {
  it("lists configured providers in fallback order, offline always last, and the default", async () => {
    const catalog = new ProviderCatalog(
      config({
        GROQ_API_KEY: "k",
        OPENAI_BASE_URL: "http://127.0.0.1:1/v1",
        AI_PROVIDER_ORDER: "openai,groq",
      }),
      new MemoryProviderHealth(),
      { fetch: modelsFetch([]).fetchImpl },
    );
    const listing = await catalog.listing();
    expect(listing.order).toEqual(["openai", "groq", "offline"]);
    expect(listing.default).toBe("openai");
    expect(listing.providers.map((p) => [p.name, p.remote, p.health.state])).toEqual([
      ["openai", true, "closed"],
      ["groq", true, "closed"],
      ["offline", false, "closed"],
    ]);
    expect(listing.quality).toEqual({ provider: "groq", model: "llama-3.3-70b-versatile" });
  });

  it("defaults to offline with nothing configured", async () => {
    const listing = await new ProviderCatalog(config({}), new MemoryProviderHealth()).listing();
    expect(listing).toMatchObject({ default: "offline", order: ["offline"] });
  });

  it("takes models from the provider, default first, cached for the TTL; the default alone when it fails", async () => {
    const ok = modelsFetch(["whisper-large-v3", "b-model", "llama-3.3-70b-versatile"]);
    const catalog = new ProviderCatalog(
      config({ GROQ_API_KEY: "k", GROQ_BASE_URL: "http://groq.test" }),
      new MemoryProviderHealth(),
      { fetch: ok.fetchImpl },
    );
    expect(await catalog.models("groq")).toEqual(["llama-3.3-70b-versatile", "b-model"]);
    await catalog.models("groq");
    expect(ok.calls).toEqual(["http://groq.test/openai/v1/models"]);

    const down = modelsFetch(null);
    const failing = new ProviderCatalog(
      config({ OPENAI_BASE_URL: "http://o.test/v1", OPENAI_MODEL: "m" }),
      new MemoryProviderHealth(),
      { fetch: down.fetchImpl },
    );
    expect(await failing.models("openai")).toEqual(["m"]);
  });

  it("names the local model after its GGUF header", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "engunity-gguf-")), "tiny.gguf");
    writeFileSync(path, makeTinyGguf({ seed: 1 }));
    const catalog = new ProviderCatalog(
      config({ LLM_MODEL_PATH: path }),
      new MemoryProviderHealth(),
    );
    expect(await catalog.models("local")).toEqual(["engunity-tiny-test"]);
    expect(catalog.spec("local")).toMatchObject({
      defaultModel: "engunity-tiny-test",
      remote: false,
    });
  });
});
