import { basename } from "node:path";
import type { LlamaEmbeddingContext, LlamaModel } from "node-llama-cpp";
import { defaultThreads, loadModel } from "../providers/LocalLlamaProvider";
import type { Embedder } from "../retrieval/types";
import { modelFingerprint, normalizeInPlace } from "./modelFingerprint";

/** Longest input embedded, in tokens; longer text is cut (chunks are far shorter). */
const MAX_CONTEXT = 1024;

/**
 * A GGUF embedding model through node-llama-cpp (CPU prebuilt binary, never built or
 * downloaded at run time). One embedding context per embedder; node-llama-cpp
 * evaluates one text at a time on it, so calls are queued here.
 */
export class GgufEmbedder implements Embedder {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly id: string,
    readonly dimensions: number,
    private readonly model: LlamaModel,
    private readonly context: LlamaEmbeddingContext,
    private readonly maxTokens: number,
  ) {}

  /** Loads `modelPath` (a `.gguf` file). */
  static async load(modelPath: string, opts: { threads?: number } = {}): Promise<GgufEmbedder> {
    const model = await loadModel(modelPath);
    const contextSize = Math.min(model.trainContextSize, MAX_CONTEXT);
    const context = await model.createEmbeddingContext({
      contextSize,
      batchSize: contextSize,
      threads: opts.threads ?? defaultThreads(),
    });
    const dimensions = model.embeddingVectorSize;
    const id = `gguf:${basename(modelPath)}:${await modelFingerprint(modelPath)}:${dimensions}`;
    return new GgufEmbedder(id, dimensions, model, context, contextSize);
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    const run = this.queue.then(async () => {
      const out: Float32Array[] = [];
      for (const text of texts) {
        // Empty input has no token to pool; a lone space embeds as "nothing said".
        const tokens = this.model
          .tokenize(text.length > 0 ? text : " ")
          .slice(0, this.maxTokens - 4);
        const { vector } = await this.context.getEmbeddingFor(tokens);
        if (vector.length !== this.dimensions) {
          throw new Error(
            `GgufEmbedder: got ${vector.length} dimensions, expected ${this.dimensions}`,
          );
        }
        out.push(normalizeInPlace(Float32Array.from(vector)));
      }
      return out;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Frees the embedding context; the model stays loaded for the process (the LLM may share it). */
  async close(): Promise<void> {
    await this.queue;
    await this.context.dispose();
  }
}
