import type { SearchHit } from "@engunity/shared";
import { createEffect, createSignal, onCleanup } from "solid-js";
import { api } from "./api";

const DEBOUNCE_MS = 200;

/**
 * Results as one types: the server's full-text search (highlighted snippets, best
 * first), debounced, and only the answer to the latest query is kept (a slow
 * response to "w1" never replaces the one for "w150"). `sessionId` searches one
 * session. Must be called inside a component.
 */
export function createSearch(query: () => string, sessionId?: () => string | undefined) {
  const [hits, setHits] = createSignal<SearchHit[]>([]);
  const [searching, setSearching] = createSignal(false);
  let latest = 0;
  createEffect(() => {
    const q = query().trim();
    const sid = sessionId?.();
    const ticket = ++latest;
    if (q.length < 2) {
      setHits([]);
      setSearching(false);
      return;
    }
    setSearching(true);
    const timer = setTimeout(() => {
      const scope = sid ? `&sessionId=${sid}` : "";
      api<{ results: SearchHit[] }>("GET", `/search?q=${encodeURIComponent(q)}&limit=20${scope}`)
        .then((r) => {
          if (ticket === latest) setHits(r.results);
        })
        .catch(() => {
          if (ticket === latest) setHits([]);
        })
        .finally(() => {
          if (ticket === latest) setSearching(false);
        });
    }, DEBOUNCE_MS);
    onCleanup(() => clearTimeout(timer));
  });
  return { hits, searching };
}

/** Where a hit opens: its session, at the message (in context, highlighted). */
export const hitHref = (h: SearchHit) => `/chat/${h.sessionId}?m=${h.message.id}`;
