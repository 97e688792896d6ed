import type { Message } from "@engunity/shared";
import { For, Show } from "solid-js";
import { download } from "../lib/api";
import type { Stream } from "../lib/chatRoom";
import { displayName, shortTime } from "../lib/format";
import type { PendingMessage } from "../lib/outbox";
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
}) {
  const m = () => props.message;
  const streaming = () => m().status === "streaming" || !!props.stream;
  const text = () => props.stream?.text ?? m().content;
  const provider = () => props.stream?.provider ?? m().metadata.provider;
  const model = () => props.stream?.model ?? m().metadata.model;
  const isAi = () => m().role === "assistant";
  const name = () =>
    isAi() ? "Assistant" : m().role === "system" ? "System" : displayName(m().author);

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
          <time dateTime={m().createdAt}>{shortTime(m().createdAt)}</time>
          <Show when={m().status === "stopped"}>
            <span class="status-tag">stopped</span>
          </Show>
          <Show when={m().status === "error"}>
            <span class="status-tag error">failed</span>
          </Show>
        </header>
        <Show
          when={text() || !streaming()}
          fallback={
            <div class="message-content muted" data-testid="message-content">
              Thinking
              <span class="cursor" aria-hidden="true" />
            </div>
          }
        >
          <Markdown source={text()} streaming={streaming()} />
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
        <Show when={m().metadata.citations?.length}>
          <details class="citations">
            <summary>{m().metadata.citations!.length} sources</summary>
            <For each={m().metadata.citations}>
              {(c) => (
                <blockquote class="citation" id={`cite-${c.chunkId}`} data-testid="citation">
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
                  </button>{" "}
                  — {c.text.length > 280 ? `${c.text.slice(0, 280)}…` : c.text}
                </blockquote>
              )}
            </For>
          </details>
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
