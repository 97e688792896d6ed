import type { Attempt } from "@engunity/shared";

const LABEL: Record<string, string> = {
  groq: "Groq",
  local: "local model",
  openai: "OpenAI-compatible",
  offline: "offline",
};

const WHY: Record<string, string> = {
  rate_limited: "rate-limited",
  breaker_open: "paused",
  timeout: "timed out",
  refused: "unreachable",
  server: "failed",
  client: "refused the request",
  cut: "broke off",
  unavailable: "unreachable",
};

/**
 * "after Groq was rate-limited, OpenAI-compatible timed out" — the providers that
 * failed or were skipped before the one that answered, or "" when the first answered.
 */
export function routingNote(attempts: readonly Attempt[] | undefined): string {
  const failed = (attempts ?? []).filter((a) => a.outcome !== "ok" && a.outcome !== "stopped");
  if (!failed.length) return "";
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const a of failed) {
    if (seen.has(a.provider)) continue;
    seen.add(a.provider);
    parts.push(`${LABEL[a.provider] ?? a.provider} ${WHY[a.kind ?? ""] ?? "failed"}`);
  }
  return `after ${parts.join(", ")}`;
}
