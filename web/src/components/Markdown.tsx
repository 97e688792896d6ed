import { createEffect, onCleanup } from "solid-js";
import { markdownRenderer } from "../lib/markdownRenderer";

let highlighter: Promise<typeof import("../lib/highlight")> | undefined;
const loadHighlighter = () => {
  highlighter ??= import("../lib/highlight");
  return highlighter;
};

/**
 * Sanitised Markdown. While a message streams, re-rendering is batched to one per
 * animation frame (a fast stream sends many deltas per frame); highlighting, which
 * is lazy-loaded, runs once the text is final.
 */
export function Markdown(props: {
  source: string;
  streaming?: boolean;
  /** Citation numbers that exist: their `[n]` markers become buttons calling `onCite`. */
  citations?: readonly number[];
  onCite?: (n: number) => void;
}) {
  let el!: HTMLDivElement;
  let frame = 0;

  function paint() {
    frame = 0;
    const render = markdownRenderer();
    if (render) el.innerHTML = render(props.source);
    else el.textContent = props.source;
    for (const pre of el.querySelectorAll("pre")) {
      const btn = document.createElement("button");
      btn.type = "button";
      btn.className = "copy-code";
      btn.textContent = "Copy";
      btn.setAttribute("aria-label", "Copy code");
      pre.append(btn);
    }
    if (props.streaming) {
      const cursor = document.createElement("span");
      cursor.className = "cursor";
      cursor.setAttribute("aria-hidden", "true");
      (el.lastElementChild ?? el).append(cursor);
    } else {
      if (props.citations?.length) markCitations(el, new Set(props.citations));
      if (el.querySelector("pre code")) void loadHighlighter().then((h) => h.highlightWithin(el));
    }
  }

  createEffect(() => {
    void props.source;
    void markdownRenderer();
    if (props.streaming) {
      frame ||= requestAnimationFrame(paint);
    } else {
      cancelAnimationFrame(frame);
      paint();
    }
  });
  onCleanup(() => cancelAnimationFrame(frame));

  async function onClick(e: MouseEvent) {
    const ref = (e.target as HTMLElement).closest<HTMLButtonElement>(".cite-ref");
    if (ref) {
      props.onCite?.(Number(ref.dataset.n));
      return;
    }
    const btn = (e.target as HTMLElement).closest<HTMLButtonElement>(".copy-code");
    const code = btn?.parentElement?.querySelector("code");
    if (!btn || !code) return;
    try {
      await navigator.clipboard.writeText(code.textContent ?? "");
      btn.textContent = "Copied";
    } catch {
      btn.textContent = "Copy failed";
    }
    setTimeout(() => {
      btn.textContent = "Copy";
    }, 1_500);
  }

  // Delegated: the copy buttons are created with the rendered HTML, and are buttons
  // themselves, so keyboard users reach and press them normally.
  // biome-ignore lint/a11y/noStaticElementInteractions: delegation for the copy buttons inside
  // biome-ignore lint/a11y/useKeyWithClickEvents: the buttons inside handle keys natively
  return <div class="message-content" data-testid="message-content" ref={el} onClick={onClick} />;
}

/**
 * Turns `[n]` / `[n, m]` in rendered text (outside code) into one button per known
 * number. Built with DOM nodes, never HTML strings, so the sanitised output stays so.
 */
function markCitations(root: HTMLElement, known: Set<number>): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const hits: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if ((n.parentElement as HTMLElement).closest("code, pre")) continue;
    if (/\[\d{1,3}(?:\s*,\s*\d{1,3})*\]/.test(n.textContent ?? "")) hits.push(n as Text);
  }
  for (const node of hits) {
    const frag = document.createDocumentFragment();
    const text = node.textContent ?? "";
    let last = 0;
    for (const m of text.matchAll(/\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g)) {
      const nums = m[1]!.split(",").map((x) => Number(x.trim()));
      if (!nums.every((x) => known.has(x))) continue;
      frag.append(text.slice(last, m.index));
      for (const x of nums) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "cite-ref";
        b.dataset.n = String(x);
        b.textContent = String(x);
        b.setAttribute("aria-label", `Source ${x}`);
        frag.append(b);
      }
      last = m.index + m[0].length;
    }
    frag.append(text.slice(last));
    node.replaceWith(frag);
  }
}
