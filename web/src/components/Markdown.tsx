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
export function Markdown(props: { source: string; streaming?: boolean }) {
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
    } else if (el.querySelector("pre code")) {
      void loadHighlighter().then((h) => h.highlightWithin(el));
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
