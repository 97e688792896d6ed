import type { LlmProvider, StreamChunk, StreamRequest } from "./LlmProvider";

/** The answer when no model is configured: honest, and says how to configure one. */
export const OFFLINE_ANSWER =
  "No AI model is configured on this Engunity server, so I can't answer yet. " +
  "To enable answers, set one of: GROQ_API_KEY (Groq cloud), LLM_MODEL_PATH " +
  "(a local GGUF model file), or OPENAI_BASE_URL (any OpenAI-compatible server such as " +
  "Ollama or vLLM), then restart the server.";

/**
 * The provider of last resort. It streams its answer word by word through the same
 * path as a real model, so clients see one behaviour. Document retrieval is not built
 * yet; once it is, this quotes the most relevant passages instead.
 */
export class OfflineProvider implements LlmProvider {
  readonly name = "offline";
  readonly defaultModel = "none";

  async *stream(req: StreamRequest): AsyncIterable<StreamChunk> {
    // Configured providers that could not answer: say which and why, not "none configured".
    const answer = req.notice ?? OFFLINE_ANSWER;
    const words = answer.split(/(?<= )/);
    for (const word of words) {
      if (req.signal.aborted) return;
      yield { type: "text", text: word };
    }
    // No tokenizer here: the same ~4 characters a token estimate as the context budget.
    const promptTokens = Math.ceil(req.messages.reduce((n, m) => n + m.content.length, 0) / 4);
    yield {
      type: "usage",
      usage: { promptTokens, completionTokens: Math.ceil(answer.length / 4) },
    };
  }
}
