import { createEffect, createMemo, createSignal, untrack } from "solid-js";

/**
 * The slice of a long history that is in the DOM: at most `size` messages, slid by
 * `step` as the reader nears either end (the browser's scroll anchoring keeps the
 * view still while rows come and go). A 5,000-message session then costs what 300
 * cost per frame. The window is counted from the newest message, so history paged in
 * at the top leaves it in place, and messages arriving below a reader who is up in
 * the history move it along with them. Must be called inside a component.
 */
export function createMessageWindow<T extends { id: string }>(
  list: () => T[],
  size = 300,
  step = 100,
) {
  const [fromEnd, setFromEnd] = createSignal(0);
  let lastId: string | undefined;
  createEffect(() => {
    const l = list();
    const last = l[l.length - 1]?.id;
    untrack(() => {
      if (lastId && last !== lastId && fromEnd() > 0) {
        const before = l.findIndex((m) => m.id === lastId);
        if (before >= 0) setFromEnd((f) => f + (l.length - 1 - before));
      }
      lastId = last;
    });
  });
  const range = createMemo(() => {
    const n = list().length;
    const end = Math.max(0, n - fromEnd());
    return { start: Math.max(0, end - size), end };
  });
  const maxFromEnd = () => Math.max(0, list().length - size);
  return {
    items: createMemo(() => list().slice(range().start, range().end)),
    /** Index in the whole list of the window's first message. */
    start: () => range().start,
    /** The newest message is in the window (live messages show up). */
    atEnd: () => fromEnd() === 0,
    /** Messages older than the window are in memory (no fetch needed to show them). */
    olderInMemory: () => range().start > 0,
    older: () => setFromEnd((f) => Math.min(f + step, maxFromEnd())),
    newer: () => setFromEnd((f) => Math.max(0, f - step)),
    toEnd: () => setFromEnd(0),
    /** Centres the window on the message at `index` of the whole list. */
    show(index: number) {
      const n = list().length;
      setFromEnd(Math.max(0, Math.min(maxFromEnd(), n - index - Math.floor(size / 2))));
    },
  };
}
