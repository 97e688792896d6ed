import type { Message, MessageVersion } from "@engunity/shared";
import { createEffect, createMemo, For, type JSX, on, Show } from "solid-js";
import type { Stream } from "../lib/chatRoom";
import { createFollow } from "../lib/follow";
import { createMessageWindow } from "../lib/messageWindow";
import type { PendingMessage } from "../lib/outbox";
import { MessageItem, PendingItem } from "./MessageItem";

/** Consecutive messages of one person within this long are drawn as one group. */
const GROUP_MS = 5 * 60_000;

/** A line between messages at a moment in time ("Alice joined"). */
export interface ListNotice {
  id: string;
  at: string;
  text: string;
}

/** What the page around a list can ask of it. */
export interface MessageListControl {
  /** True while the viewer is at the newest message (follow mode). */
  pinned: () => boolean;
  /** Back to the newest message, pinned (after sending). */
  follow(): void;
  /** Shows a message that is in `messages`: scrolled to the middle, highlighted by the caller. */
  reveal(messageId: string): HTMLElement | null;
}

/**
 * The scrolling log of a session: follow mode with a "new messages ↓" pill, a window
 * of at most 300 rows over a long history, grouping of one person's consecutive
 * messages, the sender's own pending ones, and paging hooks. Used by the chat page and
 * the widget's panel; it depends on nothing heavier than MessageItem (whose Markdown
 * renderer is provided by the entry, see lib/markdownRenderer).
 */
export function MessageList(props: {
  messages: Message[];
  streams: Record<string, Stream>;
  /** True while in the live room (tests wait on it). */
  joined: boolean;
  label: string;
  class?: string;
  /** The viewer: their messages get `onEdit`. */
  meId?: string;
  meName: string;
  pending?: PendingMessage[];
  onRetryPending?: (clientId: string) => void;
  onDiscardPending?: (clientId: string) => void;
  /** Lines between messages, placed by time. */
  notices?: ListNotice[];
  renderNotice?: (n: ListNotice) => JSX.Element;
  /** Shown when there is nothing at all. */
  empty?: JSX.Element;
  canStop: boolean;
  onStop: (id: string) => void;
  onRetry?: (id: string) => void;
  onRegenerate?: (id: string) => void;
  onContinue?: (id: string) => void;
  onEdit?: (id: string, content: string) => Promise<void>;
  loadVersions?: (id: string) => Promise<MessageVersion[]>;
  /** The message being edited (↑ in an empty composer opens one's last), and its setter. */
  editingId?: string | null;
  onEditing?: (id: string | null) => void;
  highlighted?: string | null;
  /** Older history exists on the server; `loadOlder` pages it in. */
  hasMore?: boolean;
  loadOlder?: () => Promise<void>;
  /** The list is a window of older history: newer messages exist beyond it. */
  hasNewer?: boolean;
  loadNewer?: () => Promise<void>;
  jumpToLatest?: () => Promise<void>;
  ref?: (control: MessageListControl) => void;
}) {
  let scroller!: HTMLDivElement;
  let inner!: HTMLDivElement;
  const win = createMessageWindow(() => props.messages);
  const follow = createFollow(
    () => scroller,
    () => inner,
    () => win.atEnd() && !props.hasNewer,
  );
  // A message arriving at the end (not history paged in at the top) counts for the pill.
  createEffect(
    on(
      () => props.messages[props.messages.length - 1]?.id,
      (id, prev) => {
        if (props.joined && prev && id !== prev) follow.noteNew();
      },
    ),
  );

  // Near the top: slide the window up, or page older history in; near the bottom of a
  // window that is not at the newest message: slide it down. The browser's scroll
  // anchoring keeps the view in place while rows come and go.
  let loadingOlder = false;
  const onScroll = () => {
    follow.onScroll();
    const toBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
    if (scroller.scrollTop < 300) {
      if (win.olderInMemory()) win.older();
      else if (props.hasMore && props.loadOlder && !loadingOlder) {
        loadingOlder = true;
        void props.loadOlder().finally(() => {
          loadingOlder = false;
          win.older();
        });
      }
    } else if (toBottom < 300 && !win.atEnd()) win.newer();
  };

  const sameRun = (m: Message | undefined, prev: Message | undefined) =>
    !!m &&
    !!prev &&
    m.role === "user" &&
    prev.role === "user" &&
    !!m.author &&
    m.author.id === prev.author?.id &&
    Date.parse(m.createdAt) - Date.parse(prev.createdAt) < GROUP_MS;

  type Row = Message | ListNotice;
  const isNotice = (r: Row): r is ListNotice => !("role" in r);
  /**
   * The window's messages, with the notices that fall inside it placed by time. The
   * rows are the store's own objects, so `For` keeps each row's DOM as the list moves.
   */
  const rows = createMemo<Row[]>(() => {
    const items = win.items();
    const notices = props.notices ?? [];
    if (!notices.length) return items;
    const from = win.start() > 0 ? (items[0]?.createdAt ?? "") : "";
    const at = (r: Row) => (isNotice(r) ? r.at : r.createdAt);
    return [...items, ...notices.filter((n) => n.at >= from)].sort((a, b) =>
      at(a).localeCompare(at(b)),
    );
  });
  /** Drawn without avatar and name: follows a message of the same person (a notice breaks it). */
  const grouped = (i: number) => {
    const list = rows();
    const row = list[i];
    if (!row || isNotice(row)) return false;
    const prev = i > 0 ? list[i - 1] : props.messages[win.start() - 1];
    return !!prev && !isNotice(prev) && sameRun(row, prev);
  };

  const editing = (id: string) => (props.onEditing ? props.editingId === id : undefined);

  props.ref?.({
    pinned: follow.pinned,
    follow() {
      win.toEnd();
      follow.follow();
    },
    reveal(messageId) {
      win.show(props.messages.findIndex((m) => m.id === messageId));
      const el = scroller.querySelector<HTMLElement>(
        `[data-message-id="${CSS.escape(messageId)}"]`,
      );
      if (el) {
        follow.unpin();
        el.scrollIntoView({ block: "center" });
      }
      return el;
    },
  });

  return (
    <>
      <div
        class={`messages${props.class ? ` ${props.class}` : ""}`}
        ref={scroller}
        onScroll={onScroll}
        role="log"
        aria-live="polite"
        aria-label={props.label}
        tabindex="0"
        data-testid="messages"
        data-joined={props.joined ? "true" : "false"}
        data-pinned={follow.pinned() ? "true" : "false"}
      >
        <div class="messages-inner" ref={inner}>
          <Show when={props.hasMore && props.loadOlder && !win.olderInMemory()}>
            <button
              class="btn btn-sm"
              style={{ "align-self": "center" }}
              type="button"
              data-testid="load-older"
              onClick={() => void props.loadOlder?.().then(() => win.older())}
            >
              Load earlier messages
            </button>
          </Show>
          <Show when={props.messages.length === 0 && !props.pending?.length && props.empty}>
            {props.empty}
          </Show>
          <For each={rows()}>
            {(row, i) =>
              isNotice(row) ? (
                props.renderNotice?.(row)
              ) : (
                <MessageItem
                  message={row}
                  stream={props.streams[row.id]}
                  canStop={props.canStop}
                  onStop={props.onStop}
                  onRetry={props.onRetry}
                  onRegenerate={props.onRegenerate}
                  onContinue={props.onContinue}
                  onEdit={props.meId && row.author?.id === props.meId ? props.onEdit : undefined}
                  loadVersions={props.loadVersions}
                  meId={props.meId}
                  editing={editing(row.id)}
                  onEditing={(on) => props.onEditing?.(on ? row.id : null)}
                  grouped={grouped(i())}
                  highlighted={props.highlighted === row.id}
                />
              )
            }
          </For>
          <Show when={props.hasNewer && win.atEnd()}>
            <div class="window-end">
              <button
                class="btn btn-sm"
                type="button"
                data-testid="load-newer"
                onClick={() => void props.loadNewer?.()}
              >
                Show later messages
              </button>
              <button
                class="btn btn-sm btn-ghost"
                type="button"
                onClick={() => void props.jumpToLatest?.().then(() => follow.follow())}
              >
                Jump to latest
              </button>
            </div>
          </Show>
          <For each={props.pending ?? []}>
            {(p) => (
              <PendingItem
                item={p}
                name={props.meName}
                onRetry={() => props.onRetryPending?.(p.clientId)}
                onDiscard={() => props.onDiscardPending?.(p.clientId)}
              />
            )}
          </For>
        </div>
      </div>
      <Show when={!follow.pinned() && follow.unseen() > 0}>
        <button
          class="follow-pill"
          type="button"
          data-testid="follow-pill"
          onClick={() => {
            win.toEnd();
            follow.follow();
          }}
        >
          {follow.unseen() === 1 ? "1 new message" : `${follow.unseen()} new messages`} ↓
        </button>
      </Show>
    </>
  );
}
