import { LIMITS } from "@engunity/shared/limits";
import { createEffect, createMemo, createSignal, on, onCleanup, Show } from "solid-js";
import { bindField } from "../lib/bindField";
import type { Collab, Peer } from "../lib/collab";
import { Icon } from "./Icon";
import { RemoteCarets } from "./RemoteCarets";

const TYPING_IDLE_MS = 3_000;

/**
 * The message box: Enter sends, Shift+Enter breaks the line. In a team session the
 * AI answers only when asked (the switch, or `@ai` in the text); alone, it answers
 * every message unless the switch is turned off.
 */
export function Composer(props: {
  sessionId: string;
  canSend: boolean;
  solo: boolean;
  onSend: (content: string, ai: boolean | undefined) => void;
  onTyping: (typing: boolean) => void;
  onFiles: (files: File[]) => void;
  /** The shared draft, once the Yjs doc is connected; until then the box is local. */
  collab?: Collab | null;
  peers?: Peer[];
  /** ↑ in an empty box: edit one's last message in place; false when there is none. */
  onEditLast?: () => boolean;
  /** The text box (the page returns focus to it after an edit). */
  ref?: (box: HTMLTextAreaElement) => void;
  /** Esc: stop one's own answer that is streaming. */
  onEscape?: () => void;
  /** The embedded widget: no attachments, no AI switch (the session decides), no hints. */
  compact?: boolean;
  placeholder?: string;
}) {
  let box!: HTMLTextAreaElement;
  let fileInput!: HTMLInputElement;
  const [text, setText] = createSignal("");
  const [askAi, setAskAiSignal] = createSignal(props.solo);
  // The switch is remembered per session, so a reload keeps what the user chose.
  const askKey = () => `engunity.askAi.${props.sessionId}`;
  // Storage may be denied (the widget's sandboxed frame): then the switch is not kept.
  const stored = (): string | null => {
    try {
      return localStorage.getItem(askKey());
    } catch {
      return null;
    }
  };
  const setAskAi = (on: boolean, remember = false) => {
    setAskAiSignal(on);
    try {
      if (remember) localStorage.setItem(askKey(), on ? "1" : "0");
    } catch {
      // not kept
    }
  };
  const [dragging, setDragging] = createSignal(false);
  let typing = false;
  let idle: ReturnType<typeof setTimeout> | undefined;

  // The default follows the session kind; re-evaluated when switching sessions or
  // when a session gains its second member.
  // A memo, so a refreshed session object with the same kind does not reset a switch
  // the user just flipped.
  const solo = createMemo(() => props.solo);
  createEffect(
    on([() => props.sessionId, solo], () => {
      const kept = stored();
      setAskAi(kept === null ? solo() : kept === "1");
    }),
  );

  function setTyping(on: boolean) {
    clearTimeout(idle);
    if (on) idle = setTimeout(() => setTyping(false), TYPING_IDLE_MS);
    if (typing === on) return;
    typing = on;
    props.onTyping(on);
  }
  onCleanup(() => setTyping(false));

  // With the doc connected, the box is the session's shared draft.
  let layer: HTMLDivElement | undefined;
  createEffect(() => {
    const collab = props.collab;
    if (!collab || !props.canSend) return;
    const unbind = bindField(
      box,
      collab.draft,
      (value) => {
        setText(value);
        grow();
      },
      { keepLocal: true },
    );
    onCleanup(() => {
      unbind();
      collab.setCursor(null);
    });
  });
  function shareCaret() {
    props.collab?.setCursor("draft", box.selectionStart ?? 0, box.selectionEnd ?? 0);
  }

  function grow() {
    box.style.height = "auto";
    box.style.height = `${Math.min(box.scrollHeight, 240)}px`;
  }

  function send() {
    const content = (props.collab ? props.collab.draft.toString() : text()).trim();
    if (!content || !props.canSend || content.length > LIMITS.messageMax) return;
    const mentions = /(^|\s)@ai\b/i.test(content);
    const ai = askAi() || mentions ? true : props.solo ? false : undefined;
    props.onSend(content, ai);
    const collab = props.collab;
    if (collab) {
      // Sent: exactly the text just read is deleted, in the same tick, as one Yjs
      // delete of the items this client has seen. Keys typed after Enter, and a
      // co-author's concurrent typing this client had not yet received, are other
      // items and survive. (The server no longer clears the draft: its clear landed
      // after the send's round trip and wiped what was typed meanwhile.)
      collab.doc.transact(() => collab.draft.delete(0, collab.draft.length));
    } else {
      setText("");
      box.value = "";
    }
    grow();
    setTyping(false);
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length && props.canSend && !props.compact) props.onFiles(files);
  }

  return (
    <Show
      when={props.canSend}
      fallback={
        <div class="viewer-note" data-testid="viewer-note">
          You're a viewer here: you can read and watch answers stream, but not send.
        </div>
      }
    >
      <fieldset
        class="composer"
        aria-label="Compose a message (drop files here to upload)"
        classList={{ dragging: dragging() }}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <label class="sr-only" for="composer-input">
          Message
        </label>
        <div class="draft-box">
          <Show when={props.collab && props.peers?.length}>
            <RemoteCarets
              collab={props.collab!}
              text={text()}
              peers={props.peers ?? []}
              ref={(el) => {
                layer = el;
              }}
            />
          </Show>
          <textarea
            id="composer-input"
            ref={(el) => {
              box = el;
              props.ref?.(el);
            }}
            data-collab={props.collab ? "shared" : "local"}
            onScroll={() => {
              if (layer) layer.scrollTop = box.scrollTop;
            }}
            onSelect={shareCaret}
            onKeyUp={shareCaret}
            onFocus={shareCaret}
            data-testid="composer"
            rows={1}
            placeholder={
              props.placeholder ??
              (props.solo ? "Message the AI…" : "Message your team — type @ai to ask the AI")
            }
            maxLength={LIMITS.messageMax}
            value={text()}
            onInput={(e) => {
              if (!props.collab) setText(e.currentTarget.value);
              grow();
              setTyping(e.currentTarget.value.length > 0);
              shareCaret();
            }}
            onBlur={() => {
              setTyping(false);
              props.collab?.setCursor(null);
            }}
            onKeyDown={(e) => {
              if (e.isComposing) return;
              if (e.key === "Enter" && !e.shiftKey) {
                e.preventDefault();
                send();
              } else if (e.key === "Escape" && props.onEscape) {
                props.onEscape();
              } else if (e.key === "ArrowUp" && !box.value && props.onEditLast?.()) {
                e.preventDefault();
              }
            }}
          />
        </div>
        <div class="composer-bar">
          <Show when={!props.compact}>
            <button
              type="button"
              class="btn btn-ghost btn-sm"
              data-testid="upload"
              onClick={() => fileInput.click()}
              title="Attach a document (or drop it here)"
            >
              <Icon name="clip" /> <span class="hide-phone">Attach</span>
            </button>
            <input
              ref={fileInput}
              type="file"
              hidden
              multiple
              data-testid="upload-input"
              onChange={(e) => {
                const files = [...(e.currentTarget.files ?? [])];
                e.currentTarget.value = "";
                if (files.length) props.onFiles(files);
              }}
            />
            <label class="switch" title="Ask the AI to answer this message">
              <input
                type="checkbox"
                data-testid="ask-ai"
                checked={askAi()}
                onChange={(e) => setAskAi(e.currentTarget.checked, true)}
              />
              Ask AI
            </label>
          </Show>
          <span class="spacer" />
          <Show when={!props.compact}>
            <span class="hint hide-phone">
              Enter to send · Shift+Enter for a new line · ? for shortcuts
            </span>
          </Show>
          <button
            type="button"
            class="btn btn-primary btn-sm"
            data-testid="send"
            disabled={!text().trim()}
            onClick={send}
          >
            Send
          </button>
        </div>
      </fieldset>
    </Show>
  );
}
