import { availableParallelism } from "node:os";
import type { Logger } from "@engunity/core";
import { toError } from "@engunity/core";
import type { ChatHistoryItem, Llama, LlamaModel } from "node-llama-cpp";
import {
  type LlmProvider,
  ProviderError,
  type StreamChunk,
  type StreamRequest,
} from "./LlmProvider";

// One llama.cpp runtime and one loaded model per process and file: models are large,
// and loading one twice would double the memory for nothing.
let llamaPromise: Promise<Llama> | null = null;
const models = new Map<string, Promise<LlamaModel>>();

async function loadModel(modelPath: string): Promise<LlamaModel> {
  let model = models.get(modelPath);
  if (!model) {
    model = (async () => {
      const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
      // CPU prebuilt binary from npm only: never build from source or download at run time.
      llamaPromise ??= getLlama({
        gpu: false,
        build: "never",
        skipDownload: true,
        progressLogs: false,
        logLevel: LlamaLogLevel.error,
      });
      const llama = await llamaPromise;
      return llama.loadModel({ modelPath });
    })();
    models.set(modelPath, model);
    model.catch(() => models.delete(modelPath));
  }
  return model;
}

/** Threads for llama.cpp: the default oversubscribes small machines and runs far slower. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/**
 * A local GGUF model through node-llama-cpp (the seed's "Phi-2 local"). The chat
 * template comes from the model file. Each request gets a context of its own, so
 * concurrent answers do not share a KV cache.
 */
export class LocalLlamaProvider implements LlmProvider {
  readonly name = "local";
  readonly defaultModel: string;
  private readonly threads: number;

  constructor(
    private readonly opts: {
      modelPath: string;
      /** The GGUF's own name (the catalog reads it). */
      modelName?: string;
      threads?: number;
      contextSize?: number;
      logger?: Logger;
      seed?: number;
    },
  ) {
    this.threads = opts.threads ?? defaultThreads();
    this.defaultModel = opts.modelName ?? "local";
  }

  async *stream(req: StreamRequest): AsyncIterable<StreamChunk> {
    const { LlamaChatSession } = await import("node-llama-cpp");
    let model: LlamaModel;
    try {
      model = await loadModel(this.opts.modelPath);
    } catch (err) {
      throw new ProviderError(
        this.name,
        `local: cannot load ${this.opts.modelPath}: ${toError(err).message}`,
        { cause: err },
      );
    }
    const context = await model.createContext({
      threads: this.threads,
      contextSize: this.opts.contextSize ?? 2048,
    });
    yield { type: "open" };
    const queue: string[] = [];
    let wake: (() => void) | null = null;
    let finished = false;
    let failure: unknown = null;
    try {
      const session = new LlamaChatSession({ contextSequence: context.getSequence() });
      const system = req.messages
        .filter((m) => m.role === "system")
        .map((m) => m.content)
        .join("\n\n");
      const turns = req.messages.filter((m) => m.role !== "system");
      const last = turns.pop();
      const history: ChatHistoryItem[] = [];
      if (system) history.push({ type: "system", text: system });
      for (const t of turns) {
        history.push(
          t.role === "user"
            ? { type: "user", text: t.content }
            : { type: "model", response: [t.content] },
        );
      }
      session.setChatHistory(history);
      const promptTokens = model.tokenize(req.messages.map((m) => m.content).join("\n")).length;
      let completionTokens = 0;
      const run = session
        .prompt(last?.content ?? "", {
          maxTokens: req.maxTokens,
          signal: req.signal,
          stopOnAbortSignal: true,
          seed: this.opts.seed,
          onTextChunk: (text) => {
            completionTokens++;
            queue.push(text);
            wake?.();
          },
        })
        .catch((err) => {
          failure = err;
        })
        .finally(() => {
          finished = true;
          wake?.();
        });
      while (true) {
        // Once stopped, nothing more goes out, even text llama.cpp already produced.
        if (req.signal.aborted) break;
        if (queue.length) {
          yield { type: "text", text: queue.shift()! };
          continue;
        }
        if (finished) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
      await run;
      if (failure && !req.signal.aborted) {
        throw new ProviderError(this.name, `local: ${toError(failure).message}`, {
          cause: failure,
        });
      }
      yield { type: "finish", reason: completionTokens >= req.maxTokens ? "length" : "stop" };
      yield { type: "usage", usage: { promptTokens, completionTokens } };
    } finally {
      await context.dispose();
    }
  }
}
