import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import css from "highlight.js/lib/languages/css";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";

/**
 * Code highlighting, loaded on demand (dynamic import) so it stays out of the
 * initial bundle. Only a handful of common languages: each one costs bundle size.
 */
for (const [name, lang] of Object.entries({
  bash,
  css,
  javascript,
  json,
  python,
  sql,
  typescript,
  xml,
})) {
  hljs.registerLanguage(name, lang);
}
hljs.registerAliases(["sh", "shell"], { languageName: "bash" });
hljs.registerAliases(["js", "jsx"], { languageName: "javascript" });
hljs.registerAliases(["ts", "tsx"], { languageName: "typescript" });
hljs.registerAliases(["html"], { languageName: "xml" });
hljs.registerAliases(["py"], { languageName: "python" });

/** Highlights every not-yet-highlighted code block under `root`. */
export function highlightWithin(root: HTMLElement): void {
  for (const el of root.querySelectorAll<HTMLElement>("pre code:not(.hljs)")) {
    const lang = /language-([\w-]+)/.exec(el.className)?.[1];
    if (lang && !hljs.getLanguage(lang)) {
      el.classList.add("hljs");
      continue;
    }
    // highlightElement escapes the text itself; the element holds only text here.
    hljs.highlightElement(el);
  }
}
