import type { SearchHit, Session } from "@engunity/shared";
import { A, useNavigate, useParams } from "@solidjs/router";
import { createEffect, createMemo, createSignal, For, onCleanup, onMount, Show } from "solid-js";
import { api, errorText } from "../lib/api";
import { currentUser, signOut } from "../lib/auth";
import { displayName, titleOf } from "../lib/format";
import { isAdmin, refreshMe } from "../lib/me";
import { sessionList, upsertSession } from "../lib/sessions";
import { Avatar } from "./Avatar";
import { Brand } from "./Brand";
import { ThemeToggle } from "./ThemeToggle";
import { toast } from "./Toast";

/** Sessions, newest activity first, with search, unread dots and a shared badge. */
export function Sidebar(props: { onNavigate?: () => void }) {
  onMount(() => void refreshMe());
  const params = useParams<{ sessionId?: string }>();
  const navigate = useNavigate();
  const [query, setQuery] = createSignal("");
  const [creating, setCreating] = createSignal(false);

  // Messages matching the query, across every session (server search), debounced.
  const [hits, setHits] = createSignal<SearchHit[]>([]);
  createEffect(() => {
    const q = query().trim();
    if (q.length < 2) {
      setHits([]);
      return;
    }
    const timer = setTimeout(() => {
      api<{ results: SearchHit[] }>("GET", `/search?q=${encodeURIComponent(q)}&limit=10`)
        .then((r) => {
          if (query().trim() === q) setHits(r.results);
        })
        .catch(() => setHits([]));
    }, 250);
    onCleanup(() => clearTimeout(timer));
  });

  const visible = createMemo(() => {
    const q = query().trim().toLowerCase();
    return q
      ? sessionList.list.filter((s) => titleOf(s).toLowerCase().includes(q))
      : sessionList.list;
  });

  async function create() {
    setCreating(true);
    try {
      const session = await api<Session>("POST", "/chat/sessions", {});
      upsertSession({ ...session, unread: false });
      navigate(`/chat/${session.id}`);
      props.onNavigate?.();
    } catch (e) {
      toast(errorText(e));
    } finally {
      setCreating(false);
    }
  }

  return (
    <nav class="sidebar" aria-label="Sessions">
      <div class="sidebar-head">
        <Brand />
        <ThemeToggle />
      </div>
      <div class="sidebar-tools">
        <button
          class="btn btn-primary"
          type="button"
          data-testid="session-new"
          onClick={create}
          disabled={creating()}
        >
          + New session
        </button>
        <input
          class="input search"
          type="search"
          placeholder="Search sessions"
          aria-label="Search sessions"
          data-testid="session-search"
          value={query()}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
      </div>
      <A
        href="/widget"
        class="widget-link"
        data-testid="widget-inbox-link"
        onClick={() => props.onNavigate?.()}
      >
        Widget conversations
      </A>
      <ul class="session-list">
        <For each={visible()}>
          {(s) => (
            <li>
              <A
                href={`/chat/${s.id}`}
                class="session-item"
                classList={{
                  active: params.sessionId === s.id,
                  unread: !!s.unread && params.sessionId !== s.id,
                }}
                data-testid="session-item"
                data-session-id={s.id}
                onClick={() => props.onNavigate?.()}
              >
                <Show when={s.unread && params.sessionId !== s.id}>
                  <span class="unread-dot" title="Unread" />
                  <span class="sr-only">Unread:</span>
                </Show>
                <span class="name">{titleOf(s)}</span>
                <Show when={s.memberCount > 1 || s.role !== "owner"}>
                  <span class="badge" title={`${s.memberCount} members`}>
                    Shared
                  </span>
                </Show>
              </A>
            </li>
          )}
        </For>
        <Show when={hits().length}>
          <li class="list-label">Messages</li>
          <For each={hits()}>
            {(h) => (
              <li>
                <A
                  href={`/chat/${h.sessionId}`}
                  class="session-item search-hit"
                  data-testid="search-hit"
                  data-session-id={h.sessionId}
                  onClick={() => props.onNavigate?.()}
                >
                  <span class="name">
                    <small>{titleOf({ title: h.sessionTitle })}</small>
                    {h.message.content.length > 90
                      ? `${h.message.content.slice(0, 90)}…`
                      : h.message.content}
                  </span>
                </A>
              </li>
            )}
          </For>
        </Show>
        <Show when={sessionList.loaded && visible().length === 0 && hits().length === 0}>
          <li class="empty-list">{query() ? "No session matches." : "No sessions yet."}</li>
        </Show>
        <Show when={sessionList.error}>
          <li class="empty-list error-text">{sessionList.error}</li>
        </Show>
      </ul>
      <div class="sidebar-foot">
        <Avatar id={currentUser()?.id ?? ""} name={displayName(currentUser())} small />
        <span class="who" title={currentUser()?.email}>
          {displayName(currentUser())}
        </span>
        <Show when={isAdmin()}>
          <A
            href="/admin"
            class="btn btn-ghost btn-sm"
            data-testid="admin-link"
            onClick={() => props.onNavigate?.()}
          >
            Admin
          </A>
        </Show>
        <button
          class="btn btn-ghost btn-sm"
          type="button"
          data-testid="sign-out"
          onClick={() => {
            signOut();
            navigate("/login", { replace: true });
          }}
        >
          Sign out
        </button>
      </div>
    </nav>
  );
}
