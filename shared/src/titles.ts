import { LIMITS } from "./limits";

/**
 * A line of Markdown as the words a reader sees: links become their text, images their
 * alt text, and emphasis, code, strike-through, heading and quote marks go. Titles are
 * plain text, so `**AI**` should read "AI", and `[docs](javascript:…)` "docs".
 */
function plainText(line: string): string {
  return line
    .replace(/!\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)/g, "$1")
    .replace(/\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)/g, "$1")
    .replace(/<((?:https?|mailto):[^>\s]+)>/g, "$1")
    .replace(/(\*\*|__|~~)(.+?)\1/g, "$2")
    .replace(/(^|[^\w*])[*_](?!\s)(.+?)(?<!\s)[*_](?=[^\w*]|$)/g, "$1$2")
    .replace(/`+([^`]*)`+/g, "$1")
    .replace(/^\s*(?:#{1,6}\s+|>\s*|[-*+]\s+(?=\S)|\d+[.)]\s+)/, "")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * A session title from its first message: the first line that has words, as plain
 * text (no Markdown marks), shortened at a word. The server titles a session created
 * by `POST /chat/`; the web app titles one it creates lazily on the first send, the
 * same way.
 */
export function titleFromContent(content: string): string {
  const line =
    content
      .split("\n")
      .map(plainText)
      .find((l) => l.length > 0) ?? "";
  if (line.length <= 60) return line;
  // Not between the two halves of a surrogate pair (an emoji): a lone half is stored as U+FFFD.
  const cut = line.slice(0, /[\uD800-\uDBFF]/.test(line[59]!) ? 59 : 60);
  const space = cut.lastIndexOf(" ");
  return `${(space > 30 ? cut.slice(0, space) : cut).trimEnd()}…`.slice(0, LIMITS.titleMax);
}
