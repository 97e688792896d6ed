import { can, defaultAiMode } from "@engunity/shared/abilities";
import { A, useNavigate, useParams, useSearchParams } from "@solidjs/router";
import { createEffect, createMemo, createSignal, on, onCleanup, Show } from "solid-js";
import { ChatHeader } from "../components/ChatHeader";
import { Composer } from "../components/Composer";
import { ConfirmDialog } from "../components/Dialog";
import { MessageList, type MessageListControl } from "../components/MessageList";
import { ShareDialog } from "../components/ShareDialog";
import { toast } from "../components/Toast";
import { UploadList } from "../components/UploadList";
import { UsageDialog } from "../components/UsageDialog";
import { VisitorStrip } from "../components/VisitorStrip";
import { currentUser } from "../lib/auth";
import { createChatRoom } from "../lib/chatRoom";
import { displayName } from "../lib/format";
import { discard, enqueue, pendingFor, retry } from "../lib/outbox";
import { markRead } from "../lib/sessions";
import { createSharedDoc } from "../lib/sharedDoc";
import { connectionState, currentSocket } from "../lib/socket";
import { createUploads } from "../lib/uploads";
import { sessionActions, withToast } from "./chatActions";

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
  // `?m=<messageId>`: opened at a message (a search hit): a window of history around it.
  const [search, setSearch] = useSearchParams<{ m?: string }>();
  const room = createChatRoom(props.sessionId, { around: search.m });
  const { state } = room;
  const uploads = createUploads(() => props.sessionId);
  const [sharing, setSharing] = createSignal(false);
  const [confirmDelete, setConfirmDelete] = createSignal(false);
  const [showUsage, setShowUsage] = createSignal(false);

  const role = () => state.session?.role;
  const canWrite = () => can(role(), "write");
  const { collab, peers } = createSharedDoc(props.sessionId, canWrite);
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
  let list!: MessageListControl;
  let composerBox: HTMLTextAreaElement | undefined;

  // Read state lives on the server: what reached the bottom of a visible page is read.
  const [visible, setVisible] = createSignal(document.visibilityState === "visible");
  const onVisibility = () => setVisible(document.visibilityState === "visible");
  document.addEventListener("visibilitychange", onVisibility);
  onCleanup(() => document.removeEventListener("visibilitychange", onVisibility));
  let lastMarked: string | undefined;
  createEffect(() => {
    const last = state.messages[state.messages.length - 1];
    if (!last || !state.joined || state.hasNewer || !list.pinned() || !visible()) return;
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
    requestAnimationFrame(() => {
      const el = list.reveal(messageId);
      if (!el) return;
      setHighlighted(messageId);
      el.focus({ preventScroll: true });
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
  // Esc anywhere on the page stops it too, unless a dialog or another field takes the key
  // (the composer calls `stopMine` itself; the edit box cancels the edit).
  const onEscape = (e: KeyboardEvent) => {
    if (e.key !== "Escape" || e.defaultPrevented || document.querySelector("[role=dialog]")) return;
    const field = "input, textarea, select, [contenteditable=true], [role=menu], [aria-haspopup]";
    if (document.activeElement?.closest(field)) return;
    stopMine();
  };
  document.addEventListener("keydown", onEscape);
  onCleanup(() => document.removeEventListener("keydown", onEscape));

  // ↑ in an empty composer edits one's last message in place (Enter resends, Esc cancels
  // and returns to the composer).
  const [editingId, setEditingId] = createSignal<string | null>(null);
  function editLast(): boolean {
    const last = [...state.messages]
      .reverse()
      .find((m) => m.role === "user" && m.author?.id === me()?.id);
    if (!last || !canWrite()) return false;
    setEditingId(last.id);
    requestAnimationFrame(() => list.reveal(last.id));
    return true;
  }
  function onEditing(id: string | null) {
    const was = editingId();
    setEditingId(id);
    if (!id && was) composerBox?.focus();
  }

  function send(content: string, ai: boolean | undefined) {
    if (state.hasNewer) void room.jumpToLatest();
    list.follow();
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

  const actions = sessionActions(props.sessionId, room.setSession);
  const visitors = createMemo(() => state.members.filter((m) => m.visitor));
  const aiOff = () => state.session?.settings.aiMode === "off";
  // Answer controls: failures become a toast, the room's broadcasts do the rest.
  const stop = withToast(room.stop);
  const regenerate = withToast(room.regenerate);
  const continueAnswer = withToast(room.continueAnswer);
  const editMessage = async (id: string, content: string) => {
    await withToast(room.edit, true)(id, content);
  };

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
      <ChatHeader
        sessionId={props.sessionId}
        session={state.session}
        presence={state.presence}
        collab={collab()}
        peers={peers()}
        onRename={(title) => void actions.rename(title)}
        onJump={(id) => void jumpTo(id)}
        onShare={() => setSharing(true)}
        onSettings={(s) => void actions.settings(s)}
        onUsage={() => setShowUsage(true)}
        onExport={(f) => void actions.exportAs(state.session, f)}
        onDelete={() => setConfirmDelete(true)}
        onLeave={() =>
          void actions.leave(me()?.id ?? "").then((ok) => ok && navigate("/", { replace: true }))
        }
      />
      <VisitorStrip
        visitors={visitors()}
        canWrite={canWrite()}
        aiOff={aiOff()}
        onAiOff={(off) => void actions.settings({ aiMode: off ? "off" : "every" })}
      />
      <MessageList
        ref={(c) => {
          list = c;
        }}
        label="Messages"
        messages={state.messages}
        streams={state.streams}
        joined={state.joined}
        meId={me()?.id}
        meName={displayName(me())}
        pending={pending()}
        onRetryPending={retry}
        onDiscardPending={discard}
        empty={
          <Show when={!state.loading}>
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
        }
        canStop={canWrite()}
        onStop={(id) => void stop(id)}
        onRetry={canWrite() ? retryAnswer : undefined}
        onRegenerate={canWrite() ? (id) => void regenerate(id) : undefined}
        onContinue={canWrite() ? (id) => void continueAnswer(id) : undefined}
        onEdit={canWrite() ? editMessage : undefined}
        loadVersions={room.versions}
        editingId={editingId()}
        onEditing={onEditing}
        highlighted={highlighted()}
        hasMore={state.hasMore}
        loadOlder={room.loadOlder}
        hasNewer={state.hasNewer}
        loadNewer={room.loadNewer}
        jumpToLatest={room.jumpToLatest}
      />
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
            ref={(el) => {
              composerBox = el;
            }}
            sessionId={props.sessionId}
            canSend={canWrite()}
            solo={solo()}
            onSend={send}
            onTyping={typing}
            onFiles={(files) => files.forEach(uploads.upload)}
            collab={collab()}
            peers={peers()}
            onEditLast={editLast}
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
          onConfirm={() => {
            setConfirmDelete(false);
            void actions.remove().then((ok) => ok && navigate("/", { replace: true }));
          }}
          onClose={() => setConfirmDelete(false)}
        />
      </Show>
    </Show>
  );
}
