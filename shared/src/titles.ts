import { LIMITS } from "./limits";

/**
 * A session title from its first message: the first line, shortened at a word. The
 * server titles a session created by `POST /chat/`; the web app titles one it creates
 * lazily on the first send, the same way.
 */
export function titleFromContent(content: string): string {
  const line = content.trim().split("\n")[0]?.trim() ?? "";
  if (line.length <= 60) return line;
  const cut = line.slice(0, 60);
  const space = cut.lastIndexOf(" ");
  return `${(space > 30 ? cut.slice(0, space) : cut).trimEnd()}…`.slice(0, LIMITS.titleMax);
}
