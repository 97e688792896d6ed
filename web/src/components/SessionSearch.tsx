import { createSignal, For, Show } from "solid-js";
import { displayName, shortTime } from "../lib/format";
import { createSearch } from "../lib/search";
import { Icon } from "./Icon";
import { Snippet } from "./Snippet";

/** Search inside the open session: results as one types; a result jumps to its message. */
export function SessionSearch(props: { sessionId: string; onOpen: (messageId: string) => void }) {
  const [open, setOpen] = createSignal(false);
  const [query, setQuery] = createSignal("");
  const { hits, searching } = createSearch(query, () => props.sessionId);
  let input: HTMLInputElement | undefined;
  let toggle: HTMLButtonElement | undefined;

  const close = () => {
    setOpen(false);
    toggle?.focus();
  };
  const pick = (id: string) => {
    setOpen(false);
    props.onOpen(id);
  };

  return (
    <div class="session-search">
      <button
        ref={toggle}
        class="btn btn-ghost btn-icon"
        type="button"
        aria-label="Search in this session"
        aria-expanded={open()}
        title="Search in this session (/)"
        data-testid="session-search-open"
        onClick={() => {
          setOpen(!open());
          if (open()) queueMicrotask(() => input?.focus());
        }}
      >
        <Icon name="search" />
      </button>
      <Show when={open()}>
        <div class="search-pop" data-testid="session-search">
          <input
            ref={input}
            class="input"
            type="search"
            placeholder="Search this session"
            aria-label="Search this session"
            data-testid="session-search-input"
            value={query()}
            onInput={(e) => setQuery(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") close();
              const first = hits()[0];
              if (e.key === "Enter" && first) pick(first.message.id);
            }}
          />
          <ul class="search-results" aria-live="polite">
            <For each={hits()}>
              {(h) => (
                <li>
                  <button
                    type="button"
                    class="search-result"
                    data-testid="session-search-hit"
                    data-message-id={h.message.id}
                    onClick={() => pick(h.message.id)}
                  >
                    <small>
                      {h.message.role === "assistant" ? "Assistant" : displayName(h.message.author)}{" "}
                      · {shortTime(h.message.createdAt)}
                    </small>
                    <Snippet text={h.snippet} highlights={h.highlights} />
                  </button>
                </li>
              )}
            </For>
            <Show when={query().trim().length >= 2 && !searching() && hits().length === 0}>
              <li class="empty-list">No message matches.</li>
            </Show>
          </ul>
        </div>
      </Show>
    </div>
  );
}
