import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./env";

const tmp = () => mkdtempSync(join(tmpdir(), "engunity-env-"));

describe("loadConfig", () => {
  it("needs nothing in embedded mode and generates a 256-bit secret once", () => {
    const dir = tmp();
    const first = loadConfig({ DATA_DIR: dir });
    expect(first).toMatchObject({ PORT: 3000, HOST: "0.0.0.0", ROLE: "all", mode: "embedded" });
    expect(first.SECRET_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(dir, "secret.key")).mode & 0o777).toBe(0o600);
    expect(loadConfig({ DATA_DIR: dir }).SECRET_KEY).toBe(first.SECRET_KEY);
    expect(readFileSync(join(dir, "secret.key"), "utf8").trim()).toBe(first.SECRET_KEY);
    expect(first.sqlitePath).toBe(join(dir, "engunity.sqlite"));
    expect(first.UPLOAD_DIR).toBe(join(dir, "uploads"));
  });

  it("treats empty values as unset, so a copied .env.example works", () => {
    const config = loadConfig({ DATA_DIR: tmp(), DATABASE_URL: "", REDIS_URL: " ", PORT: "" });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.PORT).toBe(3000);
  });

  it.each([
    [{ PORT: "abc" }, /PORT/],
    [{ PORT: "70000" }, /PORT/],
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL/],
    [{ DATABASE_URL: "postgres://u@h/db" }, /SECRET_KEY is required when DATABASE_URL/],
    [{ SECRET_KEY: "short" }, /SECRET_KEY/],
    [{ ROLE: "worker" }, /ROLE=worker needs REDIS_URL/],
    [{ ROLE: "boss" }, /ROLE/],
    [{ ALLOWED_ORIGINS: "https://ok.example, not an origin" }, /ALLOWED_ORIGINS/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL/],
  ])("refuses %o with one line naming the variable", (env, message) => {
    expect(() => loadConfig({ DATA_DIR: tmp(), ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: tmp(), ...env })).toThrow(message);
  });

  it("parses origins and the PHI2_LOCAL_PATH alias", () => {
    const config = loadConfig({
      DATA_DIR: tmp(),
      ALLOWED_ORIGINS: "https://a.example/, http://localhost:5173",
      PHI2_LOCAL_PATH: "/models/phi2.gguf",
    });
    expect(config.ALLOWED_ORIGINS).toEqual(["https://a.example", "http://localhost:5173"]);
    expect(config.llmModelPath).toBe("/models/phi2.gguf");
  });

  it("reads AI_PRICES inline or from a file, and names a bad one", () => {
    const dir = tmp();
    const inline = loadConfig({
      DATA_DIR: dir,
      AI_PRICES: '{"m1": {"prompt": 1, "completion": 2}}',
    });
    expect(inline.aiPrices).toEqual({ m1: { prompt: 1, completion: 2 } });
    const file = join(dir, "prices.json");
    writeFileSync(file, '{"groq/m2": {"prompt": 0.5, "completion": 0.7}}');
    expect(loadConfig({ DATA_DIR: dir, AI_PRICES: file }).aiPrices).toEqual({
      "groq/m2": { prompt: 0.5, completion: 0.7 },
    });
    expect(loadConfig({ DATA_DIR: dir }).aiPrices).toBeUndefined();
    expect(() => loadConfig({ DATA_DIR: dir, AI_PRICES: "{nope" })).toThrow(
      /AI_PRICES is not valid JSON/,
    );
    expect(() =>
      loadConfig({ DATA_DIR: dir, AI_PRICES: '{"m": {"prompt": -1, "completion": 1}}' }),
    ).toThrow(/AI_PRICES at "m.prompt"/);
    expect(() => loadConfig({ DATA_DIR: dir, AI_PRICES: join(dir, "missing.json") })).toThrow(
      ConfigError,
    );
  });
});
