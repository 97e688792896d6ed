/**
 * The floor of the local model: node-llama-cpp called directly, as its README shows —
 * a context, a `LlamaChatSession` on it, `prompt()` — with the prompt Engunity's
 * worker builds (the system prompt and the asker's envelope), the same threads and
 * context size as the local provider, a fresh context per answer as the provider
 * makes one. Time to first token: from `createContext` to the first text chunk.
 */
import { performance } from "node:perf_hooks";
import type { LlamaModel } from "node-llama-cpp";
import { humanTurn, SYSTEM_PROMPT } from "../../workers/src/context/buildContext";

export interface LlamaFloor {
  /** ms from the start of an answer to its first text chunk. */
  firstTokenMs(question: string, asker: string): Promise<number>;
  close(): Promise<void>;
}

export async function openLlamaFloor(opts: {
  modelPath: string;
  threads: number;
  contextSize: number;
  maxTokens: number;
}): Promise<LlamaFloor> {
  const { getLlama, LlamaChatSession, LlamaLogLevel } = await import("node-llama-cpp");
  // The same runtime options as the provider: the CPU prebuilt binary, nothing fetched.
  const llama = await getLlama({
    gpu: false,
    build: "never",
    skipDownload: true,
    progressLogs: false,
    logLevel: LlamaLogLevel.error,
  });
  const model: LlamaModel = await llama.loadModel({ modelPath: opts.modelPath });
  return {
    async firstTokenMs(question, asker) {
      const t0 = performance.now();
      const context = await model.createContext({
        threads: opts.threads,
        contextSize: opts.contextSize,
      });
      try {
        const session = new LlamaChatSession({
          contextSequence: context.getSequence(),
          systemPrompt: SYSTEM_PROMPT,
        });
        let first = Number.NaN;
        await session.prompt(humanTurn(asker, null, question), {
          maxTokens: opts.maxTokens,
          onTextChunk: () => {
            if (Number.isNaN(first)) first = performance.now() - t0;
          },
        });
        return first;
      } finally {
        await context.dispose();
      }
    },
    close: () => model.dispose(),
  };
}
