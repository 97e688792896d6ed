import type { Message, MessageVersion } from "@engunity/shared";
import { createEffect, createSignal, For, on, Show } from "solid-js";
import { download } from "../lib/api";
import type { Stream } from "../lib/chatRoom";
import { displayName, shortTime } from "../lib/format";
import type { PendingMessage } from "../lib/outbox";
import { routingNote } from "../lib/routing";
import { Avatar } from "./Avatar";
import { Icon } from "./Icon";
import { Markdown } from "./Markdown";

/** One message; an assistant message that is streaming shows the text so far. */
export function MessageItem(props: {
  message: Message;
  stream?: Stream;
  canStop: boolean;
  onStop: (id: string) => void;
  /** Asks again after a failed answer; absent for viewers. */
  onRetry?: (id: string) => void;
  /** Follows a message of the same person: drawn without avatar and name. */
  grouped?: boolean;
  /** The message a search hit or link opened: marked for a moment. */
  highlighted?: boolean;
  /** Answer controls (editors): a new version, going on from the token limit. */
  onRegenerate?: (id: string) => void;
  onContinue?: (id: string) => void;
  /** Edit and resend: only on one's own messages. */
  onEdit?: (id: string, content: string) => Promise<void>;
  /** Earlier versions, fetched when someone browses them. */
  loadVersions?: (id: string) => Promise<MessageVersion[]>;
  /** Controlled editing (the list opens one's last message on ↑); unset, the item keeps its own. */
  editing?: boolean;
  onEditing?: (on: boolean) => void;
  /** The viewer's id: a stop of their own reads "stopped by you". */
  meId?: string;
}) {
  const m = () => props.message;
  const streaming = () => m().status === "streaming" || !!props.stream;
  const version = () => m().metadata.version ?? 1;
  const [versions, setVersions] = createSignal<MessageVersion[] | null>(null);
  /** The version shown: null = the current one. */
  const [shown, setShown] = createSignal<number | null>(null);
  const [ownEditing, setOwnEditing] = createSignal(false);
  const editing = () => props.editing ?? ownEditing();
  const setEditing = (on: boolean) => {
    setOwnEditing(on);
    props.onEditing?.(on);
  };
  const [draft, setDraft] = createSignal("");
  let editBox: HTMLTextAreaElement | undefined;
  // Opened (by the Edit button or ↑ in the composer): the text, focused at its end.
  createEffect(
    on(editing, (on) => {
      if (!on) return;
      setDraft(m().content);
      queueMicrotask(() => {
        if (!editBox) return;
        editBox.focus();
        editBox.setSelectionRange(editBox.value.length, editBox.value.length);
      });
    }),
  );
  const save = () => {
    const content = draft().trim();
    if (!content) return;
    if (content === m().content) {
      setEditing(false);
      return;
    }
    // A refusal is told by the page (a toast); the box stays open with the text.
    void props.onEdit?.(m().id, content).then(
      () => setEditing(false),
      () => {},
    );
  };
  const old = () => {
    const n = shown();
    return n === null ? undefined : versions()?.find((v) => v.version === n);
  };
  const browse = async (delta: number) => {
    const list = versions() ?? (await props.loadVersions?.(m().id)) ?? [];
    setVersions(list);
    const next = (shown() ?? version()) + delta;
    if (next < 1 || next > version()) return;
    setShown(next === version() ? null : next);
  };
  const text = () => old()?.content ?? props.stream?.text ?? m().content;
  const note = () => (streaming() ? "" : routingNote(m().metadata.attempts));
  const canContinue = () =>
    !streaming() &&
    !!m().content &&
    (m().metadata.finishReason === "length" || m().status === "stopped");
  const provider = () => props.stream?.provider ?? m().metadata.provider;
  const model = () => props.stream?.model ?? m().metadata.model;
  const isAi = () => m().role === "assistant";
  const stoppedBy = () => {
    const by = m().metadata.stoppedBy;
    if (!by) return "stopped";
    return `stopped by ${by.id === props.meId ? "you" : by.name}`;
  };
  const name = () =>
    isAi() ? "Assistant" : m().role === "system" ? "System" : displayName(m().author);
  let sources: HTMLDetailsElement | undefined;
  /** A `[n]` in the answer was clicked: open the sources at that passage. */
  function openCitation(n: number) {
    if (!sources) return;
    sources.open = true;
    const el = sources.querySelector<HTMLElement>(`[data-n="${n}"]`);
    if (!el) return;
    el.scrollIntoView({ block: "nearest", behavior: "smooth" });
    el.classList.remove("flash");
    void el.offsetWidth;
    el.classList.add("flash");
  }

  return (
    <article
      class="message"
      classList={{ grouped: !!props.grouped, highlighted: !!props.highlighted }}
      tabindex="-1"
      data-testid="message"
      data-message-id={m().id}
      data-role={m().role}
      data-status={m().status}
      data-grouped={props.grouped ? "true" : undefined}
      data-highlighted={props.highlighted ? "true" : undefined}
      aria-busy={streaming()}
      aria-label={`${name()}, ${shortTime(m().createdAt)}`}
    >
      <Avatar id={m().author?.id ?? m().role} name={name()} ai={isAi()} />
      <div>
        <header class="message-head" classList={{ "sr-only": !!props.grouped }}>
          <span class="author">{name()}</span>
          <Show when={isAi() && (provider() || model())}>
            <span class="model" data-testid="message-model">
              {[provider(), model()].filter(Boolean).join(" · ")}
            </span>
          </Show>
          <Show when={isAi() && note()}>
            <span class="routing-note" data-testid="routing-note" title="Providers tried">
              {note()}
            </span>
          </Show>
          <time dateTime={m().createdAt}>{shortTime(m().createdAt)}</time>
          <Show when={version() > 1}>
            <span class="versions" data-testid="versions">
              <button
                type="button"
                class="linklike"
                aria-label="Previous version"
                disabled={(shown() ?? version()) <= 1}
                onClick={() => void browse(-1)}
              >
                ‹
              </button>
              <span data-testid="version-label">
                {shown() ?? version()}/{version()}
              </span>
              <button
                type="button"
                class="linklike"
                aria-label="Next version"
                disabled={shown() === null}
                onClick={() => void browse(1)}
              >
                ›
              </button>
            </span>
          </Show>
          <Show when={m().status === "stopped"}>
            <span class="status-tag" data-testid="stopped-by">
              {stoppedBy()}
            </span>
          </Show>
          <Show when={m().status === "error"}>
            <span class="status-tag error">failed</span>
          </Show>
        </header>
        <Show when={editing()}>
          <form
            class="message-edit"
            onSubmit={(e) => {
              e.preventDefault();
              save();
            }}
          >
            <textarea
              ref={editBox}
              class="input"
              data-testid="edit-input"
              aria-label="Edit your message (Enter saves and resends, Esc cancels)"
              value={draft()}
              onInput={(e) => setDraft(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.isComposing) return;
                if (e.key === "Escape") {
                  e.preventDefault();
                  e.stopPropagation();
                  setEditing(false);
                } else if (e.key === "Enter" && !e.shiftKey) {
                  e.preventDefault();
                  save();
                }
              }}
              rows={3}
            />
            <div class="message-actions">
              <button class="btn btn-sm btn-primary" type="submit" data-testid="edit-save">
                Save and resend
              </button>
              <button
                class="btn btn-sm btn-ghost"
                type="button"
                data-testid="edit-cancel"
                onClick={() => setEditing(false)}
              >
                Cancel
              </button>
              <span class="hint hide-phone">Enter to save · Esc to cancel</span>
            </div>
          </form>
        </Show>
        <Show
          when={editing() || text() || !streaming()}
          fallback={
            <div class="message-content muted" data-testid="message-content">
              Thinking
              <span class="cursor" aria-hidden="true" />
            </div>
          }
        >
          <Show when={!editing()}>
            <Markdown
              source={text()}
              streaming={streaming()}
              citations={(m().metadata.citations ?? []).map((c) => c.n ?? 0)}
              onCite={openCitation}
            />
          </Show>
        </Show>
        <Show when={m().status === "error"}>
          <div class="message-error" role="alert">
            The AI could not answer{m().metadata.error ? `: ${m().metadata.error}` : "."}
            <Show when={props.onRetry}>
              <div class="message-actions">
                <button
                  class="btn btn-sm"
                  type="button"
                  data-testid="retry"
                  onClick={() => props.onRetry?.(m().id)}
                >
                  Ask again
                </button>
              </div>
            </Show>
          </div>
        </Show>
        <Show when={m().metadata.notice && !streaming()}>
          <div class="message-notice" data-testid="message-notice">
            {m().metadata.notice}
          </div>
        </Show>
        <Show when={m().metadata.citations?.length}>
          <details class="citations" ref={sources} data-testid="citations">
            <summary>
              {m().metadata.citations!.length} source
              {m().metadata.citations!.length === 1 ? "" : "s"}
            </summary>
            <For each={m().metadata.citations}>
              {(c) => (
                <blockquote
                  class="citation"
                  id={`cite-${m().id}-${c.n ?? 0}`}
                  data-n={c.n}
                  data-testid="citation"
                >
                  <div class="citation-head">
                    <b>[{c.n}]</b>
                    <button
                      type="button"
                      class="linklike"
                      title={`Download ${c.filename}`}
                      onClick={() =>
                        void download(`/documents/${c.documentId}/download`, c.filename).catch(
                          () => {},
                        )
                      }
                    >
                      {c.filename}
                    </button>
                    <span class="muted">
                      {[
                        c.page ? `page ${c.page}` : "",
                        c.lineStart
                          ? c.lineEnd && c.lineEnd !== c.lineStart
                            ? `lines ${c.lineStart}–${c.lineEnd}`
                            : `line ${c.lineStart}`
                          : "",
                        c.heading ?? "",
                      ]
                        .filter(Boolean)
                        .join(" · ")}
                    </span>
                  </div>
                  <div class="citation-text">{c.text}</div>
                </blockquote>
              )}
            </For>
          </details>
        </Show>
        <Show when={!streaming() && shown() === null && !editing()}>
          <div class="message-actions quiet">
            <Show when={isAi() && props.onRegenerate && m().status !== "error"}>
              <button
                class="btn btn-sm btn-ghost"
                type="button"
                data-testid="regenerate"
                onClick={() => props.onRegenerate?.(m().id)}
              >
                Regenerate
              </button>
            </Show>
            <Show when={isAi() && props.onContinue && canContinue()}>
              <button
                class="btn btn-sm btn-ghost"
                type="button"
                data-testid="continue"
                onClick={() => props.onContinue?.(m().id)}
              >
                Continue
              </button>
            </Show>
            <Show when={!isAi() && props.onEdit}>
              <button
                class="btn btn-sm btn-ghost"
                type="button"
                data-testid="edit"
                onClick={() => setEditing(true)}
              >
                Edit
              </button>
            </Show>
          </div>
        </Show>
        <Show when={streaming() && props.canStop}>
          <div class="message-actions">
            <button
              class="btn btn-sm"
              type="button"
              data-testid="stop"
              onClick={() => props.onStop(m().id)}
            >
              <Icon name="stop" size={12} /> Stop
            </button>
          </div>
        </Show>
      </div>
    </article>
  );
}

/** A message of ours the server has not acknowledged yet. */
export function PendingItem(props: {
  item: PendingMessage;
  name: string;
  onRetry: () => void;
  onDiscard: () => void;
}) {
  return (
    <article
      class="message"
      data-testid="message"
      data-client-id={props.item.clientId}
      data-role="user"
      data-status={props.item.state === "failed" ? "failed" : "pending"}
    >
      <Avatar id={props.item.userId} name={props.name} />
      <div>
        <header class="message-head">
          <span class="author">{props.name}</span>
          <span class="status-tag" classList={{ error: props.item.state === "failed" }}>
            {props.item.state === "failed" ? "not sent" : "pending"}
          </span>
        </header>
        <Markdown source={props.item.content} />
        <Show when={props.item.state === "failed"}>
          <div class="message-error" role="alert">
            {props.item.error ?? "The server refused this message."}
            <div class="message-actions">
              <button class="btn btn-sm" type="button" onClick={props.onRetry}>
                Try again
              </button>
              <button class="btn btn-sm btn-ghost" type="button" onClick={props.onDiscard}>
                Discard
              </button>
            </div>
          </div>
        </Show>
      </div>
    </article>
  );
}
