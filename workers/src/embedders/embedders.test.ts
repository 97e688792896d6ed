import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTinyGguf } from "../../../scripts/make-tiny-gguf";
import { writeTinyOnnx } from "../../../scripts/make-tiny-onnx";
import type { Embedder } from "../retrieval/types";
import { createEmbedder } from "./createEmbedder";

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

const TEXTS = {
  a: "The server restarts the worker when the queue stalls.",
  similar: "When the queue stalls, the server restarts a worker.",
  unrelated: "Bananas and mangoes ripen quickly in warm kitchens.",
};

let dir: string;
const models: { gguf: string; onnx: string } = { gguf: "", onnx: "" };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "engunity-embedders-"));
  models.gguf = join(dir, "tiny-embed.gguf");
  writeFileSync(models.gguf, makeTinyGguf({ seed: 5, pooling: "mean" }));
  models.onnx = join(dir, "tiny-onnx");
  writeTinyOnnx(models.onnx, { seed: 7 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The contract every embedder keeps, run against each model the project generates. */
function embedderContract(
  name: string,
  load: () => Promise<Embedder>,
  dims: number,
  idPrefix: string,
) {
  describe(name, () => {
    let embedder: Embedder;
    beforeAll(async () => {
      embedder = await load();
    }, 60_000);
    afterAll(() => embedder?.close?.());

    it("reports its dimension and a stable id naming the model", async () => {
      expect(embedder.dimensions).toBe(dims);
      expect(embedder.id.startsWith(idPrefix)).toBe(true);
      expect(embedder.id.endsWith(`:${dims}`)).toBe(true);
      expect((await load()).id).toBe(embedder.id);
    });

    it("returns one unit vector of the right dimension per text, in order", async () => {
      const vectors = await embedder.embed([TEXTS.a, TEXTS.unrelated, "", "x".repeat(5000)]);
      expect(vectors).toHaveLength(4);
      for (const v of vectors) {
        expect(v).toBeInstanceOf(Float32Array);
        expect(v.length).toBe(dims);
        expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 4);
      }
      expect(await embedder.embed([])).toEqual([]);
    });

    it("is deterministic, alone or in a batch", async () => {
      const [once] = await embedder.embed([TEXTS.a]);
      const [, inBatch] = await embedder.embed([TEXTS.unrelated, TEXTS.a]);
      const [again] = await embedder.embed([TEXTS.a]);
      expect(Array.from(again!)).toEqual(Array.from(once!));
      for (let i = 0; i < dims; i++) expect(inBatch![i]).toBeCloseTo(once![i]!, 5);
    });

    it("puts similar texts closer than unrelated ones", async () => {
      const [a, similar, unrelated] = await embedder.embed([
        TEXTS.a,
        TEXTS.similar,
        TEXTS.unrelated,
      ]);
      expect(dot(a!, similar!)).toBeGreaterThan(dot(a!, unrelated!));
    });
  });
}

embedderContract(
  "GGUF embedder (node-llama-cpp)",
  () => createEmbedder(models.gguf, { threads: 1 }),
  64,
  "gguf:tiny-embed.gguf:",
);
embedderContract(
  "ONNX embedder (transformers.js, offline)",
  () => createEmbedder(models.onnx, { threads: 1 }),
  32,
  "onnx:tiny-onnx:",
);

describe("createEmbedder", () => {
  it("uses the built-in hashing embedder when nothing is configured", async () => {
    const e = await createEmbedder(undefined);
    expect(e.id).toMatch(/^hash-/);
  });

  it("refuses a path that is missing, or neither a .gguf file nor a model folder", async () => {
    await expect(createEmbedder(join(dir, "nope.gguf"))).rejects.toThrow(/does not exist/);
    const txt = join(dir, "model.txt");
    writeFileSync(txt, "not a model");
    await expect(createEmbedder(txt)).rejects.toThrow(
      /neither a \.gguf file nor an ONNX model folder/,
    );
  });

  it("names what an ONNX folder lacks instead of downloading it", async () => {
    const empty = join(dir, "empty-model");
    mkdirSync(empty);
    writeFileSync(join(empty, "config.json"), "{}");
    await expect(createEmbedder(empty)).rejects.toThrow(/lacks tokenizer\.json, onnx\/model\.onnx/);
  });

  it("fails clearly on a .gguf file that is not GGUF", async () => {
    const bad = join(dir, "bad.gguf");
    writeFileSync(bad, "not a model at all");
    await expect(createEmbedder(bad)).rejects.toThrow(/GGUF magic/);
  });
});
