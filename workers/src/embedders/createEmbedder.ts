import { statSync } from "node:fs";
import { resolve } from "node:path";
import { HashingEmbedder } from "../retrieval/HashingEmbedder";
import type { Embedder } from "../retrieval/types";

export interface CreateEmbedderOptions {
  /** Threads for the model runtime (llama.cpp or onnxruntime). */
  threads?: number;
}

/**
 * The embedder `EMBEDDINGS_MODEL_PATH` names: unset → the built-in hashing embedder
 * (no model, works out of the box); a `.gguf` file → that model through
 * node-llama-cpp; a directory → an ONNX model folder through transformers.js,
 * offline. Anything else is a clear error at start-up rather than a silent fallback,
 * since vectors from another embedder would not match those already stored.
 */
export async function createEmbedder(
  modelPath: string | undefined,
  opts: CreateEmbedderOptions = {},
): Promise<Embedder> {
  if (!modelPath) return new HashingEmbedder();
  const path = resolve(modelPath);
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new Error(`EMBEDDINGS_MODEL_PATH ${path} does not exist`);
  }
  if (isDir) {
    const { OnnxEmbedder } = await import("./OnnxEmbedder");
    return OnnxEmbedder.load(path, opts);
  }
  if (path.toLowerCase().endsWith(".gguf")) {
    const { GgufEmbedder } = await import("./GgufEmbedder");
    return GgufEmbedder.load(path, opts);
  }
  throw new Error(
    `EMBEDDINGS_MODEL_PATH ${path} is neither a .gguf file nor an ONNX model folder (config.json, tokenizer.json, onnx/model.onnx)`,
  );
}
