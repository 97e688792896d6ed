import { existsSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { FeatureExtractionPipeline } from "@huggingface/transformers";
import type { Embedder } from "../retrieval/types";
import { modelFingerprint } from "./modelFingerprint";

/** Texts run through the model at once: padding makes a batch cost its longest text. */
const BATCH = 16;

/** The files transformers.js reads from a model folder (fp32 weights). */
const REQUIRED = ["config.json", "tokenizer.json", join("onnx", "model.onnx")];

// transformers.js keeps its settings in one global `env`; loads set the folder they
// read from, so they run one at a time.
let loading: Promise<unknown> = Promise.resolve();

/**
 * An ONNX sentence-embedding model folder (the Hugging Face layout: `config.json`,
 * `tokenizer.json`, `onnx/model.onnx`) through transformers.js on onnxruntime-node,
 * fully offline: remote models are disabled, so a missing file is an error here
 * instead of a download. Mean pooling and L2 normalisation, as sentence-transformers do.
 */
export class OnnxEmbedder implements Embedder {
  private constructor(
    readonly id: string,
    readonly dimensions: number,
    private readonly pipe: FeatureExtractionPipeline,
  ) {}

  /** Loads the model folder at `modelDir`. */
  static async load(modelDir: string, opts: { threads?: number } = {}): Promise<OnnxEmbedder> {
    const dir = resolve(modelDir);
    const missing = REQUIRED.filter((f) => !existsSync(join(dir, f)));
    if (missing.length > 0) {
      throw new Error(`ONNX model folder ${dir} lacks ${missing.join(", ")}`);
    }
    const run = loading.then(async () => {
      const { env, pipeline } = await import("@huggingface/transformers");
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      env.useBrowserCache = false;
      env.localModelPath = `${dirname(dir)}/`;
      const threads = opts.threads ?? 1;
      return pipeline("feature-extraction", basename(dir), {
        dtype: "fp32",
        device: "cpu",
        session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
      });
    });
    loading = run.catch(() => undefined);
    const pipe = await run;
    const probe = await embedWith(pipe, ["probe"]);
    const dimensions = probe[0]!.length;
    const id = `onnx:${basename(dir)}:${await modelFingerprint(join(dir, "onnx", "model.onnx"))}:${dimensions}`;
    return new OnnxEmbedder(id, dimensions, pipe);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += BATCH) {
      out.push(...(await embedWith(this.pipe, texts.slice(i, i + BATCH))));
    }
    return out;
  }

  async close(): Promise<void> {
    await this.pipe.dispose();
  }
}

async function embedWith(
  pipe: FeatureExtractionPipeline,
  texts: readonly string[],
): Promise<Float32Array[]> {
  if (texts.length === 0) return [];
  // An empty string tokenises to [CLS][SEP] only; a space keeps it an ordinary input.
  const input = texts.map((t) => (t.length > 0 ? t : " "));
  const output = await pipe(input, { pooling: "mean", normalize: true });
  const [rows, dims] = output.dims as [number, number];
  const data = output.data as Float32Array;
  return Array.from({ length: rows }, (_, r) => data.slice(r * dims, (r + 1) * dims));
}
