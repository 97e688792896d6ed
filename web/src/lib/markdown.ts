import { Marked, type Tokens } from "marked";

/**
 * Markdown → safe HTML for messages and AI output, which are untrusted input.
 * Two layers: marked escapes raw HTML so it shows as text (no raw HTML at all), and
 * an allowlist sanitiser keeps only the tags and attributes marked produces, with safe
 * link schemes (no `javascript:`, `data:` or `vbscript:` URLs). It is a few hundred
 * bytes where DOMPurify was ~9 kB gzip: the widget's panel has a 60 kB budget.
 * Images load only from this origin or `data:` — a remote image would let a crafted answer exfiltrate the conversation in its URL (the CSP blocks it too).
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

/**
 * What may stay of marked's output, by tag, with the attributes each may keep. marked
 * renders no raw HTML (above), so this is the whole vocabulary it produces; anything
 * else — and every attribute not listed, `on*`, `style`, `id`, `name` included — is
 * removed. Elements are removed with their content (nothing here needs unwrapping).
 */
const ALLOWED: Record<string, readonly string[]> = {
  P: [],
  BR: [],
  HR: [],
  H1: [],
  H2: [],
  H3: [],
  H4: [],
  H5: [],
  H6: [],
  STRONG: [],
  EM: [],
  DEL: [],
  CODE: ["class"],
  PRE: [],
  BLOCKQUOTE: [],
  UL: [],
  OL: ["start"],
  LI: [],
  A: ["href", "title"],
  IMG: ["src", "alt", "title"],
  TABLE: [],
  THEAD: [],
  TBODY: [],
  TR: [],
  TH: ["align"],
  TD: ["align"],
};

/** Links: the web and mail, and references within this origin (relative, `#`). */
function isAllowedHref(href: string): boolean {
  // Browsers ignore control characters and spaces inside a scheme ("java\tscript:").
  const compact = [...href].filter((c) => c > " " && (c < "\u007f" || c > "\u009f")).join("");
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(compact);
  return !scheme || /^(https?|mailto)$/i.test(scheme[1]!);
}

function isAllowedImage(src: string): boolean {
  if (src.startsWith("data:image/")) return true;
  try {
    return new URL(src, location.href).origin === location.origin;
  } catch {
    return false;
  }
}

function clean(el: Element): void {
  const allowed = ALLOWED[el.tagName];
  if (!allowed) {
    el.remove();
    return;
  }
  for (const { name, value } of [...el.attributes]) {
    const keep =
      allowed.includes(name) &&
      (name !== "href" || isAllowedHref(value)) &&
      (name !== "class" || /^language-[\w+#.-]+$/.test(value)) &&
      (name !== "start" || /^\d{1,9}$/.test(value)) &&
      (name !== "align" || /^(left|right|center)$/.test(value));
    if (!keep) el.removeAttribute(name);
  }
  if (el.tagName === "A") {
    el.setAttribute("target", "_blank");
    el.setAttribute("rel", "noopener noreferrer nofollow");
  }
  if (el.tagName === "IMG" && !isAllowedImage(el.getAttribute("src") ?? "")) {
    el.removeAttribute("src");
    el.setAttribute("data-blocked", "remote image");
  }
  for (const child of [...el.children]) clean(child);
}

/**
 * Sanitises HTML that marked produced: parsed in an inert `<template>` (no script runs,
 * no image loads), cleaned against the allowlist, serialised back.
 */
export function sanitize(html: string): string {
  const template = document.createElement("template");
  template.innerHTML = html;
  for (const child of [...template.content.children]) clean(child);
  return template.innerHTML;
}

/** Renders untrusted Markdown to sanitised HTML. */
export function renderMarkdown(source: string): string {
  return sanitize(marked.parse(source, { async: false }));
}
