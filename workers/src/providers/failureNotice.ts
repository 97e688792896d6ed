import { PROVIDER_LABELS } from "@engunity/core";
import type { Attempt } from "@engunity/shared";

const hhmm = (iso: string) => `${iso.slice(11, 16)} UTC`;

/** One failed or skipped attempt, as a clause a person reads. */
function clause(a: Attempt): string {
  const who = PROVIDER_LABELS[a.provider] ?? a.provider;
  switch (a.kind) {
    case "rate_limited":
      return a.until ? `${who} is rate-limited until ${hhmm(a.until)}` : `${who} is rate-limited`;
    case "breaker_open":
      return a.until
        ? `${who} failed repeatedly and is paused until ${hhmm(a.until)}`
        : `${who} failed repeatedly and is paused`;
    case "refused":
      return `${who} refused the connection`;
    case "timeout":
      return `${who} did not answer in time`;
    case "server":
      return `${who} failed${a.status ? ` (HTTP ${a.status})` : ""}`;
    case "client":
      return `${who} rejected the request${a.status ? ` (HTTP ${a.status})` : ""}`;
    case "cut":
      return `${who} broke off its answer`;
    default:
      return `${who} could not be reached`;
  }
}

const NOT_CONFIGURED: Record<string, string> = {
  groq: "Groq is not configured",
  local: "the local model is not configured",
  openai: "no OpenAI-compatible server is configured",
};

const sentence = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * What the offline provider says when configured providers could not answer, naming
 * each and why ("Groq is rate-limited until 14:05 UTC; the local model is not
 * configured"). Undefined when nothing was configured to try: the plain offline answer
 * says that best.
 */
export function failureNotice(
  attempts: readonly Attempt[],
  unconfigured: readonly string[],
  privateSession: boolean,
): string | undefined {
  const failed = attempts.filter((a) => a.outcome !== "ok" && a.provider !== "offline");
  if (privateSession) {
    const why = failed.length
      ? [...new Set(failed.map(clause))].join("; ")
      : (NOT_CONFIGURED.local ?? "the local model is not configured");
    return (
      "This session is private, so only a model running on this server may answer it, " +
      `and none could: ${why}. Nothing was sent to an outside service.`
    );
  }
  if (!failed.length) return undefined;
  const parts = [
    ...new Set(failed.map(clause)),
    ...unconfigured.flatMap((n) => (NOT_CONFIGURED[n] ? [NOT_CONFIGURED[n]] : [])),
  ];
  return `No AI model could answer this time. ${sentence(parts.join("; "))}. Please try again in a little while.`;
}
