import type { User, WidgetEmbedConfig } from "@engunity/shared";
import { createEffect, createSignal, Match, on, onCleanup, onMount, Show, Switch } from "solid-js";
import { Composer } from "../components/Composer";
import { ConnectionBanner } from "../components/ConnectionBanner";
import { Icon } from "../components/Icon";
import { type ListNotice, MessageList, type MessageListControl } from "../components/MessageList";
import { accessToken, currentUser, useEphemeralAuth } from "../lib/auth";
import { createChatRoom } from "../lib/chatRoom";
import { displayName } from "../lib/format";
import { discard, enqueue, pendingFor, retry } from "../lib/outbox";
import { currentSocket } from "../lib/socket";
import { keyId, onHostMessage, postToHost, tokenClaims, trustParent } from "./hostBridge";

/** Ask the host for the next token this long before the current one expires. */
const REFRESH_BEFORE_MS = 60_000;

type Phase = "starting" | "waiting" | "live" | "ended";

/**
 * The widget's panel (`/embed?k=<key>&o=<host origin>`): the compact chat view of the
 * one session its token is for. The token comes from the host page by postMessage and
 * lives in memory; a refused token (expired with no replacement, key revoked) ends it.
 */
export function EmbedApp() {
  const [config, setConfig] = createSignal<WidgetEmbedConfig | null>(null);
  const [sessionId, setSessionId] = createSignal<string | null>(null);
  const [phase, setPhase] = createSignal<Phase>("starting");
  const [open, setOpen] = createSignal(true);
  let refresh: ReturnType<typeof setTimeout> | undefined;

  onMount(async () => {
    const res = await fetch(`/api/v1/widget/embed/${encodeURIComponent(keyId)}`).catch(() => null);
    if (!res?.ok) {
      setPhase("ended");
      return;
    }
    const cfg = (await res.json()) as WidgetEmbedConfig;
    setConfig(cfg);
    if (!trustParent(cfg.allowedOrigins)) {
      setPhase("ended");
      return;
    }
    setPhase("waiting");
    postToHost({ type: "ready" });
  });

  const off = onHostMessage((m) => {
    switch (m.type) {
      case "token": {
        const claims = tokenClaims(m.token);
        if (!claims || (sessionId() && claims.sid !== sessionId())) return;
        const me = currentUser();
        const user: User =
          me?.id === claims.sub ? me : { id: claims.sub, username: "", email: "", fullName: null };
        useEphemeralAuth(user, m.token);
        setSessionId(claims.sid);
        setPhase("live");
        clearTimeout(refresh);
        const left = claims.exp * 1000 - Date.now() - REFRESH_BEFORE_MS;
        refresh = setTimeout(() => postToHost({ type: "tokenNeeded" }), Math.max(left, 5_000));
        break;
      }
      case "theme":
        document.documentElement.dataset.theme = m.theme;
        if (m.accent) document.documentElement.style.setProperty("--accent", m.accent);
        break;
      case "visibility":
        setOpen(m.open);
        break;
    }
  });
  // Escape closes the panel, as the loader's button would (focus returns to the launcher).
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") postToHost({ type: "close" });
  };
  window.addEventListener("keydown", onKey);
  onCleanup(() => {
    off();
    clearTimeout(refresh);
    window.removeEventListener("keydown", onKey);
  });

  // The server refused the token (socket.ts signs the embed out): ask the host for a
  // fresh one; if none comes, the chat has ended.
  createEffect(
    on(accessToken, (token, prev) => {
      if (token || !prev) return;
      postToHost({ type: "tokenNeeded" });
      const giveUp = setTimeout(() => {
        if (!accessToken()) setPhase("ended");
      }, 3_000);
      onCleanup(() => clearTimeout(giveUp));
    }),
  );

  return (
    <div class="embed" data-testid="embed" data-phase={phase()}>
      <header class="embed-head">
        <div class="embed-title">
          <strong>{config()?.teamName ?? "Chat"}</strong>
          <span class="muted">We usually answer right away</span>
        </div>
        <button
          type="button"
          class="btn btn-ghost btn-icon"
          aria-label="Close chat"
          onClick={() => postToHost({ type: "close" })}
        >
          <Icon name="close" size={18} />
        </button>
      </header>
      <Switch>
        <Match when={phase() === "ended"}>
          <div class="embed-note" role="status" data-testid="embed-ended">
            This chat has ended. Reload the page to start again.
          </div>
        </Match>
        <Match when={phase() === "live" && sessionId()}>
          {(id) => <EmbedChat sessionId={id()} teamName={config()?.teamName ?? ""} open={open()} />}
        </Match>
        <Match when>
          <div class="embed-note" role="status">
            <span class="spinner" aria-hidden="true" /> Connecting…
          </div>
        </Match>
      </Switch>
    </div>
  );
}

function EmbedChat(props: { sessionId: string; teamName: string; open: boolean }) {
  const room = createChatRoom(props.sessionId, { socketOnly: true });
  const { state } = room;
  const [notices, setNotices] = createSignal<ListNotice[]>([]);
  const announced = new Set<string>();
  const me = () => currentUser();

  // The visitor's name comes with the member list: use it for their own messages.
  createEffect(() => {
    const mine = state.members.find((m) => m.user.id === me()?.id);
    const token = accessToken();
    if (mine && token && mine.user.fullName !== me()?.fullName) useEphemeralAuth(mine.user, token);
  });

  // "Alice from Acme joined": a team member (not a visitor) appearing in the room.
  createEffect(() => {
    for (const u of state.presence) {
      if (u.id === me()?.id || announced.has(u.id)) continue;
      const member = state.members.find((m) => m.user.id === u.id);
      if (!member || member.visitor) continue;
      announced.add(u.id);
      const from = props.teamName ? ` from ${props.teamName}` : "";
      setNotices((n) => [
        ...n,
        { id: u.id, text: `${displayName(u)}${from} joined`, at: new Date().toISOString() },
      ]);
    }
  });

  // Unread: messages from others while the panel is closed, for the launcher's badge.
  let seen = 0;
  const fromOthers = () =>
    state.messages.filter((m) => m.author?.id !== me()?.id && m.role !== "system").length;
  createEffect(() => {
    const count = fromOthers();
    if (props.open || !state.joined) seen = count;
    postToHost({ type: "unread", count: Math.max(0, count - seen) });
  });

  let list: MessageListControl | undefined;

  const typingNames = () =>
    Object.entries(state.typing)
      .filter(([id, on]) => on && id !== me()?.id)
      .map(([id]) => displayName(state.members.find((m) => m.user.id === id)?.user));

  return (
    <>
      <ConnectionBanner />
      <MessageList
        messages={state.messages}
        streams={state.streams}
        joined={state.joined}
        label="Conversation"
        class="embed-messages"
        meId={me()?.id}
        meName={displayName(me())}
        pending={pendingFor(props.sessionId)}
        onRetryPending={retry}
        onDiscardPending={discard}
        notices={notices()}
        renderNotice={(n) => (
          <div class="embed-notice" role="status" data-testid="embed-notice">
            {n.text}
          </div>
        )}
        empty={
          <Show when={state.joined}>
            <div class="empty-chat">
              <p>
                <strong>Hi! How can we help?</strong>
              </p>
              <p>Ask anything — the assistant answers right away, and the team can join in.</p>
            </div>
          </Show>
        }
        canStop
        onStop={(id) => void room.stop(id)}
        ref={(c) => {
          list = c;
        }}
      />
      <div class="typing-line" aria-live="polite">
        <Show when={typingNames().length}>
          {typingNames().join(", ")} {typingNames().length === 1 ? "is" : "are"} typing…
        </Show>
      </div>
      <div class="composer-wrap">
        <Composer
          sessionId={props.sessionId}
          canSend
          solo={false}
          compact
          placeholder="Write a message…"
          onSend={(content) => {
            list?.follow();
            enqueue(props.sessionId, content);
          }}
          onTyping={(on) => {
            const s = currentSocket();
            if (s?.connected) s.emit("typing", { sessionId: props.sessionId, typing: on });
          }}
          onFiles={() => {}}
        />
      </div>
    </>
  );
}
