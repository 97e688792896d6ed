import type * as Y from "yjs";

// Kept apart from collab.ts, and importing Yjs only as types, so the composer can
// use it without pulling Yjs into the initial bundle (collab.ts is lazy-loaded).

/**
 * Binds a Y.Text to an <input> or <textarea>: local typing becomes the minimal
 * delete+insert, remote edits update the field while keeping the local caret where
 * it was relative to the text around it. Returns the unbind.
 */
export function bindField(
  el: HTMLInputElement | HTMLTextAreaElement,
  text: Y.Text,
  onChange: (value: string) => void,
  /**
   * What was typed before the doc synced is kept rather than overwritten by the shared
   * text: `keepLocal` adds it after the shared text (the draft), `replaceWith` puts it
   * in its place (a title: one line, the typist's).
   */
  opts: { keepLocal?: boolean; replaceWith?: string } = {},
): () => void {
  const LOCAL = Symbol("local");
  const local = el.value;
  const shared = text.toString();
  if (opts.keepLocal && local.trim() && local !== shared) {
    text.doc!.transact(() => text.insert(text.length, shared ? `\n${local}` : local), LOCAL);
  } else if (opts.replaceWith !== undefined && opts.replaceWith !== shared) {
    const next = opts.replaceWith;
    text.doc!.transact(() => {
      text.delete(0, text.length);
      text.insert(0, next);
    }, LOCAL);
  }
  el.value = text.toString();
  onChange(el.value);

  const onInput = () => {
    const before = text.toString();
    const after = el.value;
    if (before === after) return;
    let start = 0;
    while (start < before.length && start < after.length && before[start] === after[start]) start++;
    let endB = before.length;
    let endA = after.length;
    while (endB > start && endA > start && before[endB - 1] === after[endA - 1]) {
      endB--;
      endA--;
    }
    // Never cut a surrogate pair (an emoji) in two: Yjs would store the lone half
    // as U+FFFD. Widen the change to whole code points on both sides.
    const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;
    if (start > 0 && isLow(before.charCodeAt(start))) start--;
    if (start > 0 && start === endB && start === endA && isLow(after.charCodeAt(start))) start--;
    if (endB < before.length && isLow(before.charCodeAt(endB))) {
      endB++;
      endA++;
    }
    text.doc!.transact(() => {
      if (endB > start) text.delete(start, endB - start);
      if (endA > start) text.insert(start, after.slice(start, endA));
    }, LOCAL);
    onChange(after);
  };

  const observer = (event: Y.YTextEvent, tr: Y.Transaction) => {
    if (tr.origin === LOCAL) return;
    const focused = typeof document !== "undefined" && document.activeElement === el;
    let selStart = el.selectionStart ?? 0;
    let selEnd = el.selectionEnd ?? 0;
    // Shift the caret by what was inserted or deleted before it.
    let index = 0;
    for (const op of event.delta) {
      if (op.retain) index += op.retain;
      else if (typeof op.insert === "string") {
        const n = op.insert.length;
        // Text inserted exactly at the caret goes after it: the local typist keeps
        // their place rather than being pushed along by someone else's words.
        if (index < selStart) selStart += n;
        if (index < selEnd) selEnd += n;
        index += n;
      } else if (op.delete) {
        const n = op.delete;
        if (index < selStart) selStart -= Math.min(n, selStart - index);
        if (index < selEnd) selEnd -= Math.min(n, selEnd - index);
      }
    }
    el.value = text.toString();
    if (focused) el.setSelectionRange(selStart, Math.max(selStart, selEnd));
    onChange(el.value);
  };

  el.addEventListener("input", onInput);
  text.observe(observer);
  return () => {
    el.removeEventListener("input", onInput);
    text.unobserve(observer);
  };
}
