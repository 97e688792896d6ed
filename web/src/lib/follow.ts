import { createSignal, onCleanup } from "solid-js";

/** How close to the bottom still counts as "at the bottom". */
const NEAR_PX = 80;

/**
 * Follow mode for a scrolling log. A viewer at (or near) the bottom stays pinned
 * there while content grows (tokens streaming, messages arriving, a code block
 * highlighting); one who scrolled up stays where they are and is told how many
 * messages arrived below (`unseen`, for a "new messages ↓" pill).
 *
 * Only the user unpins: a scroll that moved up from where we last put it. Growth by
 * itself never does — it used to, when one frame added more than the threshold
 * (a markdown re-render, a long batch) and the scroll event that followed saw the
 * view "far" from the new bottom; the viewer then fell further behind each batch.
 * Must be called inside a component.
 */
export function createFollow(
  scroller: () => HTMLElement,
  content: () => HTMLElement,
  /** False while the bottom of the scroll is not the newest message (a window of history). */
  canPin: () => boolean = () => true,
) {
  const [pinned, setPinned] = createSignal(true);
  const [unseen, setUnseen] = createSignal(0);
  let autoTop = -1;

  const toBottom = () => {
    const el = scroller();
    el.scrollTop = el.scrollHeight;
    autoTop = el.scrollTop;
  };
  const onScroll = () => {
    const el = scroller();
    const distance = el.scrollHeight - el.scrollTop - el.clientHeight;
    if (distance < NEAR_PX && canPin()) {
      setPinned(true);
      setUnseen(0);
    } else if (el.scrollTop < autoTop - 2 || autoTop < 0) {
      setPinned(false);
    }
    // A user scrolling down (but not to the bottom) moves the mark with them.
    if (!pinned()) autoTop = el.scrollTop;
  };
  const ro = new ResizeObserver(() => {
    if (pinned()) toBottom();
  });
  queueMicrotask(() => {
    ro.observe(content());
    ro.observe(scroller());
    toBottom();
  });
  onCleanup(() => ro.disconnect());

  return {
    pinned,
    unseen,
    onScroll,
    /** Pins to the bottom (after sending, or the pill). */
    follow() {
      setPinned(true);
      setUnseen(0);
      toBottom();
    },
    /** Leaves follow mode without a user scroll (jumping to a search hit). */
    unpin() {
      setPinned(false);
      autoTop = scroller().scrollTop;
    },
    /** A message arrived: counted for the pill when the viewer is reading back. */
    noteNew() {
      if (!pinned()) setUnseen((n) => n + 1);
    },
  };
}
