import type { Session } from "@engunity/shared";
import { can, defaultAiMode } from "@engunity/shared/abilities";
import { A, useNavigate, useParams, useSearchParams } from "@solidjs/router";
import { createEffect, createMemo, createSignal, For, on, onCleanup, Show } from "solid-js";
import { Avatar } from "../components/Avatar";
import { Composer } from "../components/Composer";
import { ConfirmDialog } from "../components/Dialog";
import { Icon } from "../components/Icon";
import { MessageItem, PendingItem } from "../components/MessageItem";
import { ModelPicker } from "../components/ModelPicker";
import { SessionMenu } from "../components/SessionMenu";
import { SessionSearch } from "../components/SessionSearch";
import { ShareDialog } from "../components/ShareDialog";
import { useOpenNav } from "../components/Shell";
import { TitleField } from "../components/TitleField";
import { toast } from "../components/Toast";
import { UploadList } from "../components/UploadList";
import { UsageDialog } from "../components/UsageDialog";
import { api, download, errorText } from "../lib/api";
import { currentUser } from "../lib/auth";
import { createChatRoom } from "../lib/chatRoom";
import type { Collab, Peer } from "../lib/collab";
import { createFollow } from "../lib/follow";
import { colorFor, displayName, titleOf } from "../lib/format";
import { createMessageWindow } from "../lib/messageWindow";
import { discard, enqueue, pendingFor, retry } from "../lib/outbox";
import { markRead, removeSession } from "../lib/sessions";
import { connectionState, currentSocket } from "../lib/socket";
import { createUploads } from "../lib/uploads";

/** `/chat/:sessionId` — keyed on the id so each session gets fresh state. */
export function ChatPage() {
  const params = useParams<{ sessionId: string }>();
  return (
    <Show when={params.sessionId} keyed>
      {(id) => <ChatView sessionId={id} />}
    </Show>
  );
}

/** Consecutive messages of one person within this long are drawn as one group. */
const GROUP_MS = 5 * 60_000;

/** What the toast says when the server refused an edit of the shared title or draft. */
function resyncText(why: string): string {
  if (why === "read_only") return "You can no longer edit here; your last edit was undone.";
  if (why === "rate") return "Edits came too fast; the draft was reloaded from the server.";
  return "That edit was too large to share; the draft was reloaded from the server.";
}

function ChatView(props: { sessionId: string }) {
  const navigate = useNavigate();
  const openNav = useOpenNav();
  // `?m=<messageId>`: opened at a message (a search hit): a window of history around it.
  const [search, setSearch] = useSearchParams<{ m?: string }>();
  const room = createChatRoom(props.sessionId, { around: search.m });
  const { state } = room;
  const uploads = createUploads(() => props.sessionId);
  const [sharing, setSharing] = createSignal(false);
  const [confirmDelete, setConfirmDelete] = createSignal(false);
  const [showUsage, setShowUsage] = createSignal(false);
  const [collab, setCollab] = createSignal<Collab | null>(null);
  const [peers, setPeers] = createSignal<Peer[]>([]);

  const role = () => state.session?.role;
  const canWrite = () => can(role(), "write");
  // The server's default (shared defaultAiMode): one member → every message asks the AI.
  const solo = createMemo(
    () =>
      defaultAiMode(Math.max(state.session?.memberCount ?? 0, state.members.length)) === "every",
  );
  const me = () => currentUser();
  const pending = createMemo(() => pendingFor(props.sessionId));
  const typingNames = createMemo(() =>
    Object.entries(state.typing)
      .filter(([id, on]) => on && id !== me()?.id)
      .map(([id]) => displayName(state.members.find((m) => m.user.id === id)?.user)),
  );

  // Follow mode: pinned to the newest message while at the bottom, left in place when reading
  // back, with a pill counting what arrived below.
  let scroller!: HTMLDivElement;
  let inner!: HTMLDivElement;
  const win = createMessageWindow(() => state.messages);
  const follow = createFollow(
    () => scroller,
    () => inner,
    () => win.atEnd() && !state.hasNewer,
  );
  // A message arriving at the end (not history paged in at the top) counts for the pill.
  createEffect(
    on(
      () => state.messages[state.messages.length - 1]?.id,
      (id, prev) => {
        if (state.joined && prev && id !== prev) follow.noteNew();
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
      else if (state.hasMore && !loadingOlder) {
        loadingOlder = true;
        void room.loadOlder().finally(() => {
          loadingOlder = false;
          win.older();
        });
      }
    } else if (toBottom < 300 && !win.atEnd()) win.newer();
  };

  // Read state lives on the server: what reached the bottom of a visible page is read.
  const [visible, setVisible] = createSignal(document.visibilityState === "visible");
  const onVisibility = () => setVisible(document.visibilityState === "visible");
  document.addEventListener("visibilitychange", onVisibility);
  onCleanup(() => document.removeEventListener("visibilitychange", onVisibility));
  let lastMarked: string | undefined;
  createEffect(() => {
    const last = state.messages[state.messages.length - 1];
    if (!last || !state.joined || state.hasNewer || !follow.pinned() || !visible()) return;
    if (last.id === lastMarked) return;
    const timer = setTimeout(() => {
      lastMarked = last.id;
      void markRead(props.sessionId, last.id).catch(() => {
        lastMarked = undefined;
      });
    }, 300);
    onCleanup(() => clearTimeout(timer));
  });

  // Jumping to a message: scrolled to the middle and highlighted for a moment.
  const [highlighted, setHighlighted] = createSignal<string | null>(null);
  async function jumpTo(messageId: string) {
    if (!state.messages.some((m) => m.id === messageId)) await room.jumpTo(messageId);
    win.show(state.messages.findIndex((m) => m.id === messageId));
    requestAnimationFrame(() => {
      const el = scroller.querySelector(`[data-message-id="${CSS.escape(messageId)}"]`);
      if (!el) return;
      follow.unpin();
      el.scrollIntoView({ block: "center" });
      setHighlighted(messageId);
      (el as HTMLElement).focus({ preventScroll: true });
    });
  }
  createEffect(
    on(
      () => [search.m, state.loading] as const,
      ([m, loading]) => {
        if (m && !loading)
          void jumpTo(m).then(() => setSearch({ m: undefined }, { replace: true }));
      },
    ),
  );
  const grouped = (i: number) => {
    const m = state.messages[i];
    const prev = state.messages[i - 1];
    return (
      !!m &&
      !!prev &&
      m.role === "user" &&
      prev.role === "user" &&
      !!m.author &&
      m.author.id === prev.author?.id &&
      Date.parse(m.createdAt) - Date.parse(prev.createdAt) < GROUP_MS
    );
  };

  /** Esc: the newest of one's own answers still streaming. */
  function stopMine() {
    const mine = [...state.messages]
      .reverse()
      .find(
        (q) =>
          q.author?.id === me()?.id &&
          q.metadata.assistantMessageId &&
          (state.streams[q.metadata.assistantMessageId] ||
            state.messages.find((a) => a.id === q.metadata.assistantMessageId)?.status ===
              "streaming"),
      );
    if (mine?.metadata.assistantMessageId) void stop(mine.metadata.assistantMessageId);
  }
  /** ↑: one's last message, recalled into the box. */
  const lastOwn = () =>
    [...state.messages].reverse().find((m) => m.role === "user" && m.author?.id === me()?.id)
      ?.content;

  // The shared doc (title and draft) for people who may edit; loaded lazily so the
  // chat renders first. Bound to the fields only once synced: until then they stay
  // plain local fields, and they stay usable if the doc never connects.
  createEffect(
    on(canWrite, (writer) => {
      const user = me();
      if (!writer || !user) return;
      let doc: Collab | null = null;
      let cancelled = false;
      void import("../lib/collab").then(({ connectCollab }) => {
        const start = (afterResync: boolean) => {
          if (cancelled) return;
          const c = connectCollab(
            props.sessionId,
            { id: user.id, name: displayName(user), color: colorFor(user.id) },
            { afterResync },
          );
          doc = c;
          c.onStatus((synced) => {
            if (synced) setCollab(c);
          });
          c.onPeers(() => setPeers(c.peers()));
          // The server refused an edit: drop this copy and load the server's, so the
          // fields never show what nobody else sees.
          c.onResync((why) => {
            c.destroy();
            setCollab(null);
            setPeers([]);
            toast(resyncText(why));
            start(true);
          });
        };
        start(false);
      });
      onCleanup(() => {
        cancelled = true;
        setCollab(null);
        setPeers([]);
        doc?.destroy();
      });
    }),
  );

  function send(content: string, ai: boolean | undefined) {
    if (state.hasNewer) void room.jumpToLatest();
    win.toEnd();
    follow.follow();
    enqueue(props.sessionId, content, ai);
  }

  /** Sends the question behind a failed answer again, asking the AI explicitly. */
  function retryAnswer(assistantId: string) {
    const question = state.messages.find((m) => m.metadata.assistantMessageId === assistantId);
    if (question) send(question.content, true);
    else toast("Couldn't find the question for that answer — ask again in the box below.");
  }

  function typing(on: boolean) {
    const s = currentSocket();
    if (s && connectionState() === "online")
      s.emit("typing", { sessionId: props.sessionId, typing: on });
  }

  async function rename(title: string) {
    try {
      room.setSession(await api<Session>("PATCH", `/chat/${props.sessionId}`, { title }));
    } catch (e) {
      toast(errorText(e));
    }
  }

  // A widget visitor in the room: the team sees who and where, and may switch the AI
  // off once a human has taken the conversation over.
  const visitors = createMemo(() => state.members.filter((m) => m.visitor));
  const aiOff = () => state.session?.settings.aiMode === "off";
  const setAiOff = (off: boolean) => changeModel({ aiMode: off ? "off" : "every" });

  async function changeModel(settings: Partial<Session["settings"]> | Record<string, unknown>) {
    try {
      room.setSession(await api<Session>("PATCH", `/chat/${props.sessionId}`, { settings }));
    } catch (e) {
      toast(errorText(e));
    }
  }

  /** Answer controls: failures become a toast, the room's broadcasts do the rest. */
  const control =
    <A extends unknown[]>(fn: (...args: A) => Promise<unknown>) =>
    (...args: A): Promise<void> =>
      fn(...args).then(
        () => {},
        (e: unknown) => {
          toast(errorText(e));
          throw e;
        },
      );
  const regenerate = control(room.regenerate);
  const continueAnswer = control(room.continueAnswer);
  const editMessage = control(room.edit);

  async function exportAs(format: "md" | "json") {
    const name =
      titleOf(state.session)
        .replace(/[^\w.-]+/g, "_")
        .slice(0, 60) || "session";
    try {
      await download(`/chat/${props.sessionId}/export?format=${format}`, `${name}.${format}`);
    } catch (e) {
      toast(errorText(e));
    }
  }

  async function remove() {
    setConfirmDelete(false);
    try {
      await api("DELETE", `/chat/${props.sessionId}`);
      removeSession(props.sessionId);
      navigate("/", { replace: true });
    } catch (e) {
      toast(errorText(e));
    }
  }

  async function leave() {
    try {
      await api("DELETE", `/chat/${props.sessionId}/members/${me()?.id}`);
      removeSession(props.sessionId);
      navigate("/", { replace: true });
    } catch (e) {
      toast(errorText(e));
    }
  }

  async function stop(messageId: string) {
    try {
      await room.stop(messageId);
    } catch (e) {
      toast(errorText(e));
    }
  }

  return (
    <Show
      when={!state.error && !state.gone}
      fallback={
        <div class="home-empty" data-testid="chat-unavailable">
          <div>
            <h2>{state.gone ?? "This session isn't available"}</h2>
            <p>{state.gone ? "" : state.error}</p>
            <A class="btn" href="/">
              Back to your sessions
            </A>
          </div>
        </div>
      }
    >
      <header class="chat-head">
        <button
          class="btn btn-ghost btn-icon only-phone"
          type="button"
          aria-label="Open sessions"
          onClick={openNav}
        >
          <Icon name="menu" size={18} />
        </button>
        <div class="chat-title">
          <Show when={state.session}>
            <TitleField
              title={state.session!.title}
              editable={canWrite()}
              onRename={rename}
              collab={collab()}
              peers={peers()}
            />
            <span class="role-pill hide-phone" data-testid="my-role">
              {role()}
            </span>
          </Show>
        </div>
        <ul class="presence" data-testid="presence" aria-label="Online now">
          <For each={state.presence}>
            {(u) => (
              <li data-testid="presence-user" data-user-id={u.id}>
                <Avatar id={u.id} name={displayName(u)} small />
              </li>
            )}
          </For>
        </ul>
        <div class="head-actions">
          <SessionSearch sessionId={props.sessionId} onOpen={(id) => void jumpTo(id)} />
          <button
            class="btn btn-sm"
            type="button"
            data-testid="share"
            onClick={() => setSharing(true)}
          >
            {can(role(), "invite") ? "Share" : "Members"}
          </button>
          <Show when={canWrite() && state.session}>
            <ModelPicker session={state.session!} onChange={(s) => void changeModel(s)} />
          </Show>
          <SessionMenu
            canDelete={can(role(), "delete")}
            onUsage={() => setShowUsage(true)}
            onExport={(f) => void exportAs(f)}
            onDelete={() => setConfirmDelete(true)}
            onLeave={() => void leave()}
          />
        </div>
      </header>

      <Show when={visitors().length}>
        <div class="visitor-strip" data-testid="visitor-strip">
          <For each={visitors()}>
            {(v) => (
              <span class="visitor-who">
                <span class="visitor-badge">visitor</span> {displayName(v.user)}
                <Show when={v.visitor?.pageUrl}>
                  <span class="muted"> on {v.visitor!.pageUrl}</span>
                </Show>
              </span>
            )}
          </For>
          <span class="spacer" />
          <Show when={canWrite()}>
            <label class="switch" title="Stop the AI answering in this conversation">
              <input
                type="checkbox"
                data-testid="ai-off"
                checked={aiOff()}
                onChange={(e) => void setAiOff(e.currentTarget.checked)}
              />
              AI off
            </label>
          </Show>
        </div>
      </Show>
      <div
        class="messages"
        ref={scroller}
        onScroll={onScroll}
        role="log"
        aria-live="polite"
        aria-label="Messages"
        tabindex="0"
        data-testid="messages"
        data-joined={state.joined ? "true" : "false"}
        data-pinned={follow.pinned() ? "true" : "false"}
      >
        <div class="messages-inner" ref={inner}>
          <Show when={state.hasMore && !win.olderInMemory()}>
            <button
              class="btn btn-sm"
              style={{ "align-self": "center" }}
              type="button"
              data-testid="load-older"
              onClick={() => void room.loadOlder().then(() => win.older())}
            >
              Load earlier messages
            </button>
          </Show>
          <Show when={!state.loading && state.messages.length === 0 && pending().length === 0}>
            <div class="empty-chat">
              <p>
                <strong>No messages yet.</strong>
              </p>
              <p>
                {canWrite()
                  ? "Say hello, ask the AI something, or drop a document to chat about it."
                  : "Messages will appear here as they arrive."}
              </p>
            </div>
          </Show>
          <For each={win.items()}>
            {(m, i) => (
              <MessageItem
                onRetry={canWrite() ? retryAnswer : undefined}
                onRegenerate={canWrite() ? (id) => void regenerate(id).catch(() => {}) : undefined}
                onContinue={
                  canWrite() ? (id) => void continueAnswer(id).catch(() => {}) : undefined
                }
                onEdit={canWrite() && m.author?.id === me()?.id ? editMessage : undefined}
                loadVersions={room.versions}
                message={m}
                stream={state.streams[m.id]}
                canStop={canWrite()}
                onStop={(id) => void stop(id)}
                grouped={grouped(win.start() + i())}
                highlighted={highlighted() === m.id}
              />
            )}
          </For>
          <Show when={state.hasNewer && win.atEnd()}>
            <div class="window-end">
              <button
                class="btn btn-sm"
                type="button"
                data-testid="load-newer"
                onClick={() => void room.loadNewer()}
              >
                Show later messages
              </button>
              <button
                class="btn btn-sm btn-ghost"
                type="button"
                onClick={() => void room.jumpToLatest().then(() => follow.follow())}
              >
                Jump to latest
              </button>
            </div>
          </Show>
          <For each={pending()}>
            {(p) => (
              <PendingItem
                item={p}
                name={displayName(me())}
                onRetry={() => retry(p.clientId)}
                onDiscard={() => discard(p.clientId)}
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
      <div class="typing-line" data-testid="typing" aria-live="polite">
        <Show when={typingNames().length}>
          {typingNames().join(", ")} {typingNames().length === 1 ? "is" : "are"} typing…
        </Show>
      </div>
      <div class="composer-wrap">
        <UploadList
          uploads={uploads.uploads}
          canDelete={canWrite()}
          onRemove={(key) => void uploads.remove(key)}
        />
        <Show when={state.session}>
          <Composer
            sessionId={props.sessionId}
            canSend={canWrite()}
            solo={solo()}
            onSend={send}
            onTyping={typing}
            onFiles={(files) => files.forEach(uploads.upload)}
            collab={collab()}
            peers={peers()}
            onRecall={lastOwn}
            onEscape={stopMine}
          />
        </Show>
      </div>

      <Show when={sharing() && state.session}>
        <ShareDialog
          session={state.session!}
          members={state.members}
          onMembers={room.setMembers}
          onClose={() => setSharing(false)}
        />
      </Show>
      <Show when={showUsage() && state.session}>
        <UsageDialog sessionId={state.session!.id} onClose={() => setShowUsage(false)} />
      </Show>
      <Show when={confirmDelete()}>
        <ConfirmDialog
          title="Delete this session?"
          body="Its messages, members and documents are deleted for everyone. This can't be undone."
          confirm="Delete session"
          onConfirm={() => void remove()}
          onClose={() => setConfirmDelete(false)}
        />
      </Show>
    </Show>
  );
}
