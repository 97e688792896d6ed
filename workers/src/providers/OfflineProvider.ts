import type { LlmProvider, PassageRef, StreamChunk, StreamRequest } from "./LlmProvider";

/** The answer when no model is configured: honest, and says how to configure one. */
export const OFFLINE_ANSWER =
  "No AI model is configured on this Engunity server, so I can't answer yet. " +
  "To enable answers, set one of: GROQ_API_KEY (Groq cloud), LLM_MODEL_PATH " +
  "(a local GGUF model file), or OPENAI_BASE_URL (any OpenAI-compatible server such as " +
  "Ollama or vLLM), then restart the server.";

/** Passages quoted by the offline answer. */
const OFFLINE_PASSAGES = 3;

function excerpt(text: string, max = 480): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, flat.lastIndexOf(" ", max))} …`;
}

/**
 * With documents and no model: the passages that best match the question, quoted
 * and cited `[n]`, so documents are useful with nothing configured.
 */
export function offlineDocumentAnswer(
  passages: readonly PassageRef[],
  notice?: string,
  /** Why no model answered (configured providers that failed), said first. */
  why?: string,
): string {
  const parts = why
    ? [why, "These passages from this session's documents match your question best:"]
    : [
        "No AI model is configured on this server, so I can't write an answer — but these " +
          "passages from this session's documents match your question best:",
      ];
  for (const p of passages.slice(0, OFFLINE_PASSAGES)) {
    const where = [p.filename, p.page ? `page ${p.page}` : "", p.headingPath ?? ""]
      .filter(Boolean)
      .join(" · ");
    parts.push(`> ${excerpt(p.text)} [${p.n}]\n\n— ${where}`);
  }
  if (notice) parts.push(`_${notice}_`);
  if (!why)
    parts.push(
      "To get written answers, set GROQ_API_KEY, LLM_MODEL_PATH or OPENAI_BASE_URL and restart.",
    );
  return parts.join("\n\n");
}

/**
 * The provider of last resort. It streams its answer word by word through the same
 * path as a real model, so clients see one behaviour. In a session with documents it
 * quotes the passages retrieval found, with citations.
 */
export class OfflineProvider implements LlmProvider {
  readonly name = "offline";
  readonly defaultModel = "none";

  async *stream(req: StreamRequest): AsyncIterable<StreamChunk> {
    const base = req.notice ?? OFFLINE_ANSWER;
    const answer = req.passages?.length
      ? offlineDocumentAnswer(req.passages, req.documentsNotice, req.notice)
      : req.documentsNotice
        ? `${base}\n\n_${req.documentsNotice}_`
        : base;
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
