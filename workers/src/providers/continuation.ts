import type { ChatTurn } from "./LlmProvider";

/** Asks a model to go on with an answer that stopped (cut off, or at the token limit). */
export const CONTINUE_INSTRUCTION =
  "Your previous reply stopped before it was finished. Continue it from exactly where it " +
  "stopped: do not repeat anything and do not add a preamble.";

/** The prompt that continues `partial`: the conversation, the partial answer, the request. */
export function continuationPrompt(messages: ChatTurn[], partial: string): ChatTurn[] {
  return [
    ...messages,
    { role: "assistant", content: partial },
    { role: "user", content: CONTINUE_INSTRUCTION },
  ];
}
