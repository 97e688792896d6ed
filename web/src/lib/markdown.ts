import DOMPurify from "dompurify";
import { Marked, type Tokens } from "marked";

/**
 * Markdown → safe HTML for messages and AI output, which are untrusted input.
 * Two layers: marked escapes raw HTML so it shows as text (no raw HTML at all), and
 * DOMPurify sanitises what marked produced (script, event handlers, `javascript:`
 * URLs). Images load only from this origin or `data:` — a remote image would let a
 * crafted answer exfiltrate the conversation in its URL (the CSP blocks it too).
 */

const escapes: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => escapes[c]!);

const marked = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(token.text);
    },
  },
});

const purify = DOMPurify(window);
purify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
  if (node.tagName === "IMG") {
    const src = node.getAttribute("src") ?? "";
    if (!isAllowedImage(src)) {
      node.removeAttribute("src");
      node.setAttribute("data-blocked", "remote image");
    }
  }
});

function isAllowedImage(src: string): boolean {
  if (src.startsWith("data:image/")) return true;
  try {
    return new URL(src, location.href).origin === location.origin;
  } catch {
    return false;
  }
}

const PURIFY_CONFIG = {
  FORBID_TAGS: [
    "style",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "iframe",
    "object",
    "embed",
  ],
  FORBID_ATTR: ["style"],
};

/** Renders untrusted Markdown to sanitised HTML. */
export function renderMarkdown(source: string): string {
  const html = marked.parse(source, { async: false });
  return purify.sanitize(html, PURIFY_CONFIG);
}
