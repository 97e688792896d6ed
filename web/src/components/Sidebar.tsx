import { A, useNavigate, useParams } from "@solidjs/router";
import { createMemo, createSignal, For, onMount, Show } from "solid-js";
import { answerInvitation, invitations, signOutHere } from "../lib/account";
import { errorText } from "../lib/api";
import { currentUser } from "../lib/auth";
import { displayName, titleOf } from "../lib/format";
import { isAdmin, refreshMe } from "../lib/me";
import { createSearch, hitHref } from "../lib/search";
import { markAllRead, sessionList } from "../lib/sessions";
import { AccountDialog } from "./AccountDialog";
import { Avatar } from "./Avatar";
import { Brand } from "./Brand";
import { Snippet } from "./Snippet";
import { ThemeToggle } from "./ThemeToggle";
import { toast } from "./Toast";

/** Sessions, newest activity first, with search, unread counts and a shared badge. */
export function Sidebar(props: { onNavigate?: () => void }) {
  onMount(() => void refreshMe());
  const params = useParams<{ sessionId?: string }>();
  const navigate = useNavigate();
  const [query, setQuery] = createSignal("");
  const [accountOpen, setAccountOpen] = createSignal(false);
  const answer = async (id: string, accept: boolean) => {
    try {
      const session = await answerInvitation(id, accept);
      if (session) {
        navigate(`/chat/${session.id}`);
        props.onNavigate?.();
      }
    } catch (e) {
      toast(errorText(e));
    }
  };

  // Messages matching the query, across every session (server full-text search).
  const { hits } = createSearch(query);
  const unreadOf = (s: { id: string; unreadCount?: number }) =>
    params.sessionId === s.id ? 0 : (s.unreadCount ?? 0);
  const anyUnread = () => sessionList.list.some((s) => unreadOf(s) > 0);

  const visible = createMemo(() => {
    const q = query().trim().toLowerCase();
    return q
      ? sessionList.list.filter((s) => titleOf(s).toLowerCase().includes(q))
      : sessionList.list;
  });

  // Nothing is stored until the first message: "New session" is an empty composer.
  function create() {
    navigate("/new");
    props.onNavigate?.();
  }

  return (
    <nav class="sidebar" aria-label="Sessions">
      <div class="sidebar-head">
        <Brand />
        <ThemeToggle />
      </div>
      <div class="sidebar-tools">
        <button class="btn btn-primary" type="button" data-testid="session-new" onClick={create}>
          + New session
        </button>
        <input
          class="input search"
          type="search"
          placeholder="Search sessions and messages"
          aria-label="Search sessions and messages"
          data-testid="session-search"
          value={query()}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
      </div>
      <Show when={anyUnread()}>
        <div class="list-tools">
          <button
            class="linklike"
            type="button"
            data-testid="mark-all-read"
            onClick={() => void markAllRead().catch((e) => toast(errorText(e)))}
          >
            Mark all read
          </button>
        </div>
      </Show>
      <A
        href="/widget"
        class="widget-link"
        data-testid="widget-inbox-link"
        onClick={() => props.onNavigate?.()}
      >
        Widget conversations
      </A>
      <Show when={invitations().length}>
        <section class="invitations" aria-label="Invitations" data-testid="invitations">
          <h2 class="list-label">Invitations</h2>
          <For each={invitations()}>
            {(i) => (
              <div class="invitation" data-testid="invitation">
                <p>
                  <strong>{displayName(i.invitedBy)}</strong> invites you to{" "}
                  <strong>{titleOf(i.session)}</strong> as {i.role}
                </p>
                <div class="invitation-actions">
                  <button
                    class="btn btn-primary btn-sm"
                    type="button"
                    data-testid="invitation-accept"
                    onClick={() => void answer(i.id, true)}
                  >
                    Accept
                  </button>
                  <button
                    class="btn btn-ghost btn-sm"
                    type="button"
                    data-testid="invitation-decline"
                    onClick={() => void answer(i.id, false)}
                  >
                    Decline
                  </button>
                </div>
              </div>
            )}
          </For>
        </section>
      </Show>
      <ul class="session-list">
        <For each={visible()}>
          {(s) => (
            <li>
              <A
                href={`/chat/${s.id}`}
                class="session-item"
                classList={{
                  active: params.sessionId === s.id,
                  unread: unreadOf(s) > 0,
                }}
                aria-current={params.sessionId === s.id ? "page" : undefined}
                data-testid="session-item"
                data-session-id={s.id}
                onClick={() => props.onNavigate?.()}
              >
                <span class="name">{titleOf(s)}</span>
                <Show when={unreadOf(s) > 0}>
                  <span
                    class="unread-count"
                    data-testid="unread-count"
                    title={`${unreadOf(s)} unread`}
                  >
                    {unreadOf(s) > 99 ? "99+" : unreadOf(s)}
                    <span class="sr-only"> unread</span>
                  </span>
                </Show>
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
                  href={hitHref(h)}
                  class="session-item search-hit"
                  data-testid="search-hit"
                  data-session-id={h.sessionId}
                  data-message-id={h.message.id}
                  onClick={() => props.onNavigate?.()}
                >
                  <span class="name">
                    <small>
                      {titleOf({ title: h.sessionTitle })} ·{" "}
                      {h.message.role === "assistant" ? "Assistant" : displayName(h.message.author)}
                    </small>
                    <Snippet text={h.snippet} highlights={h.highlights} />
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
        <button
          class="who who-button"
          type="button"
          title="Account and sign-ins"
          data-testid="account-open"
          onClick={() => setAccountOpen(true)}
        >
          {displayName(currentUser())}
        </button>
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
            void signOutHere().then(() => navigate("/login", { replace: true }));
          }}
        >
          Sign out
        </button>
      </div>
      <Show when={accountOpen()}>
        <AccountDialog onClose={() => setAccountOpen(false)} />
      </Show>
    </nav>
  );
}
