import type { Session } from "@engunity/shared";
import { can, defaultAiMode } from "@engunity/shared/abilities";
import { A, useNavigate, useParams } from "@solidjs/router";
import {
  createEffect,
  createMemo,
  createSignal,
  For,
  on,
  onCleanup,
  onMount,
  Show,
} from "solid-js";
import { Avatar } from "../components/Avatar";
import { Composer } from "../components/Composer";
import { ConfirmDialog } from "../components/Dialog";
import { Icon } from "../components/Icon";
import { MessageItem, PendingItem } from "../components/MessageItem";
import { SessionMenu } from "../components/SessionMenu";
import { ShareDialog } from "../components/ShareDialog";
import { useOpenNav } from "../components/Shell";
import { TitleField } from "../components/TitleField";
import { toast } from "../components/Toast";
import { UploadList } from "../components/UploadList";
import { api, download, errorText } from "../lib/api";
import { currentUser } from "../lib/auth";
import { createChatRoom } from "../lib/chatRoom";
import type { Collab, Peer } from "../lib/collab";
import { colorFor, displayName, titleOf } from "../lib/format";
import { discard, enqueue, pendingFor, retry } from "../lib/outbox";
import { removeSession } from "../lib/sessions";
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

function ChatView(props: { sessionId: string }) {
  const navigate = useNavigate();
  const openNav = useOpenNav();
  const room = createChatRoom(props.sessionId);
  const { state } = room;
  const uploads = createUploads(() => props.sessionId);
  const [sharing, setSharing] = createSignal(false);
  const [confirmDelete, setConfirmDelete] = createSignal(false);
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

  // Stay pinned to the newest message while the user is at the bottom; leave the
  // scroll alone when they are reading back (no jumps while tokens stream).
  let scroller!: HTMLDivElement;
  let inner!: HTMLDivElement;
  let pinned = true;
  onMount(() => {
    const ro = new ResizeObserver(() => {
      if (pinned) scroller.scrollTop = scroller.scrollHeight;
    });
    ro.observe(inner);
    onCleanup(() => ro.disconnect());
  });
  const onScroll = () => {
    pinned = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  };

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
        if (cancelled) return;
        const c = connectCollab(props.sessionId, {
          id: user.id,
          name: displayName(user),
          color: colorFor(user.id),
        });
        doc = c;
        c.onStatus((synced) => {
          if (synced) setCollab(c);
        });
        c.onPeers(() => setPeers(c.peers()));
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
    pinned = true;
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
          <button
            class="btn btn-sm"
            type="button"
            data-testid="share"
            onClick={() => setSharing(true)}
          >
            Share
          </button>
          <SessionMenu
            canDelete={can(role(), "delete")}
            onExport={(f) => void exportAs(f)}
            onDelete={() => setConfirmDelete(true)}
            onLeave={() => void leave()}
          />
        </div>
      </header>

      <div
        class="messages"
        ref={scroller}
        onScroll={onScroll}
        aria-live="polite"
        data-testid="messages"
        data-joined={state.joined ? "true" : "false"}
      >
        <div class="messages-inner" ref={inner}>
          <Show when={state.hasMore}>
            <button
              class="btn btn-sm"
              style={{ "align-self": "center" }}
              type="button"
              onClick={() => void room.loadOlder()}
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
          <For each={state.messages}>
            {(m) => (
              <MessageItem
                onRetry={canWrite() ? retryAnswer : undefined}
                message={m}
                stream={state.streams[m.id]}
                canStop={canWrite()}
                onStop={(id) => void stop(id)}
              />
            )}
          </For>
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

      <div class="typing-line" data-testid="typing" aria-live="polite">
        <Show when={typingNames().length}>
          {typingNames().join(", ")} {typingNames().length === 1 ? "is" : "are"} typing…
        </Show>
      </div>
      <div class="composer-wrap">
        <UploadList uploads={uploads.uploads} onDismiss={uploads.dismiss} />
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
