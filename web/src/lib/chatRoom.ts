import type {
  GenerationSnapshot,
  Member,
  Message,
  MessageVersion,
  ServerToClientEvents,
  Session,
  SessionDetail,
  User,
} from "@engunity/shared";
import { LIMITS } from "@engunity/shared/limits";
import { fromRoomMessage } from "@engunity/shared/roomMessage";
import {
  applyDelta,
  applyDeltas,
  type StreamDelta,
  applySnapshot as takeSnapshot,
} from "@engunity/shared/stream";
import { batch, createEffect, on, onCleanup } from "solid-js";
import { createStore, produce, reconcile } from "solid-js/store";
import { api, errorText } from "./api";
import { currentUser } from "./auth";
import { onSent, settle } from "./outbox";
import { removeSession, upsertSession } from "./sessions";
import { connectionState, currentSocket, request } from "./socket";
import { isStaleCopy } from "./staleCopy";

/** An answer being streamed: the text so far, as of delta `seq` of `epoch`. */
export interface Stream {
  epoch: number;
  seq: number;
  text: string;
  provider?: string;
  model?: string;
}

export interface ChatState {
  session: Session | null;
  messages: Message[];
  /** A page of members (the first from the join, more through `loadMoreMembers`). */
  members: Member[];
  memberCount: number;
  /** A page of the people here, kept live by `presence:join` / `presence:leave`. */
  presence: User[];
  /** Everyone here, however many the page shows. */
  presenceCount: number;
  /** userId → typing */
  typing: Record<string, boolean>;
  streams: Record<string, Stream>;
  loading: boolean;
  /** Why the session cannot be shown (not found, no access). */
  error: string | null;
  /** Set when the session was deleted or the user removed while it was open. */
  gone: string | null;
  hasMore: boolean;
  /**
   * True while showing a window of older history (opened at a search hit): newer
   * messages exist beyond it, so live ones are not appended until it reaches them.
   */
  hasNewer: boolean;
  /** True while this page is in the session's live room (tests wait on it). */
  joined: boolean;
}

const TYPING_TTL_MS = 6_000;

type PresenceChange =
  | { kind: "join"; e: Parameters<ServerToClientEvents["presence:join"]>[0] }
  | { kind: "leave"; e: Parameters<ServerToClientEvents["presence:leave"]>[0] };

/**
 * The live state of one open session: history from REST for the first paint, then
 * `session:join` on every (re)connect for the authoritative snapshot, and the room's
 * events. Streams are applied strictly in `seq` order; a gap asks `ai:resume`.
 * Must be called inside a component (it registers cleanups). `socketOnly` (the embed:
 * a widget token may not use REST) skips the REST first paint and fallbacks.
 */
export function createChatRoom(
  sessionId: string,
  /** `socketOnly`: the widget (no REST history); `around`: open at a message. */
  opts: { socketOnly?: boolean; around?: string } = {},
) {
  const [state, setState] = createStore<ChatState>({
    session: null,
    messages: [],
    members: [],
    memberCount: 0,
    presence: [],
    presenceCount: 0,
    typing: {},
    streams: {},
    loading: true,
    error: null,
    gone: null,
    hasMore: false,
    hasNewer: false,
    joined: false,
  });
  const typingTimers = new Map<string, ReturnType<typeof setTimeout>>();

  /**
   * `snapshot`: the copy comes from a read that may predate live events already
   * applied (REST history, a join ack), so it never replaces a newer copy held.
   */
  function upsertMessage(message: Message, snapshot = false): void {
    if (message.sessionId !== sessionId) return;
    settle(message);
    const i = state.messages.findIndex((m) => m.id === message.id);
    if (i >= 0) {
      if (snapshot && isStaleCopy(state.messages[i]!, message)) return;
      setState("messages", i, reconcile(message));
      return;
    }
    setState(
      "messages",
      produce((list) => {
        list.push(message);
        // Almost always already last; the sort covers a late broadcast overtaking.
        list.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      }),
    );
  }

  /** A stream whose message we have not seen yet gets a placeholder to render into. */
  function ensureAssistant(messageId: string, provider?: string, model?: string): void {
    if (state.messages.some((m) => m.id === messageId)) return;
    upsertMessage({
      id: messageId,
      sessionId,
      role: "assistant",
      content: "",
      status: "streaming",
      createdAt: new Date().toISOString(),
      metadata: { provider, model },
    });
  }

  function applySnapshot(messages: Message[], generations: GenerationSnapshot[]): void {
    batch(() => {
      for (const m of messages) upsertMessage(m, true);
      for (const g of generations) {
        ensureAssistant(g.messageId, g.provider, g.model);
        // An answer whose `ai:done` (or later deltas) came in while the ack was on its
        // way is further along here than in the snapshot: keep it.
        if (state.messages.find((m) => m.id === g.messageId)?.status !== "streaming") continue;
        const r = takeSnapshot(state.streams[g.messageId], g);
        if (r.outcome !== "applied") continue;
        // Its label is the run's provider and model, as `ai:start` told those who watched.
        const { provider, model } = g;
        setState("streams", g.messageId, { ...r.state, provider, model });
      }
    });
  }

  /** The newest page (which reads the session on the server), or a window around a message. */
  async function load(around?: string): Promise<void> {
    try {
      const detail = await api<SessionDetail>(
        "GET",
        around ? `/chat/${sessionId}?around=${around}` : `/chat/${sessionId}`,
      );
      batch(() => {
        setState({
          session: detail.session,
          members: detail.members,
          hasMore: detail.hasMore,
          hasNewer: !!detail.hasNewer,
          loading: false,
        });
        if (around) setState("messages", []);
        applySnapshot(detail.messages, []);
      });
      upsertSession(detail.session);
    } catch (e) {
      setState({ loading: false, error: errorText(e) });
    }
  }

  // Presence changes are applied in seq order on top of the join ack's page; those that
  // arrive before the ack are held until it (it may or may not include them).
  let presenceSeq = -1;
  let heldPresence: PresenceChange[] = [];
  function applyPresence(change: PresenceChange): void {
    if (presenceSeq < 0) {
      heldPresence.push(change);
      return;
    }
    if (change.e.seq <= presenceSeq) return;
    presenceSeq = change.e.seq;
    batch(() => {
      setState("presenceCount", change.e.count);
      if (change.kind === "join") {
        const known = new Set(state.presence.map((u) => u.id));
        const fresh = change.e.users.filter((u) => !known.has(u.id));
        if (fresh.length) setState("presence", (list) => [...list, ...fresh]);
      } else if (change.e.userIds.length) {
        const gone = new Set(change.e.userIds);
        setState("presence", (list) => list.filter((u) => !gone.has(u.id)));
      }
    });
  }

  async function join(): Promise<void> {
    try {
      presenceSeq = -1;
      heldPresence = [];
      const res = await request("session:join", { sessionId, presence: "changes" });
      if ("error" in res) {
        if (res.error.code === "not_found") setState({ error: res.error.message });
        return;
      }
      batch(() => {
        setState({
          session: res.session,
          members: res.members,
          memberCount: res.memberCount ?? res.members.length,
          presence: res.presence,
          presenceCount: res.presenceCount ?? res.presence.length,
          loading: false,
          joined: true,
        });
        presenceSeq = res.presenceSeq ?? 0;
        for (const change of heldPresence.splice(0)) applyPresence(change);
        // A window of older history stays one: the newest messages join it when
        // the window is paged forward to them.
        if (!state.hasNewer) applySnapshot(res.messages, res.generations);
        // A stream that ended while we were away is final in `messages` now.
        for (const id of Object.keys(state.streams)) {
          const m = state.messages.find((x) => x.id === id);
          if (m && m.status !== "streaming") setState("streams", id, undefined!);
        }
      });
    } catch {
      // Connection dropped mid-join; the next connect joins again.
    }
  }

  /**
   * Fills a gap from the resume log. A first answer from an epoch we had not seen yet
   * starts after our old seq, so it is asked again from the start of that epoch.
   */
  async function resume(messageId: string, fromStart = false): Promise<void> {
    const s = state.streams[messageId];
    try {
      const afterSeq = fromStart ? 0 : (s?.seq ?? 0);
      const res = await request("ai:resume", { sessionId, messageId, afterSeq });
      if ("error" in res) return;
      if (res.done) {
        finish(res.done);
        return;
      }
      const cur = state.streams[messageId];
      const r = applyDeltas(cur, res.epoch, res.deltas);
      if (r.outcome === "applied") setState("streams", messageId, { ...cur, ...r.state });
      else if (r.outcome === "gap" && !fromStart && res.epoch !== cur?.epoch) {
        await resume(messageId, true);
      }
    } catch {
      // Offline: the join snapshot on reconnect carries the text so far.
    }
  }

  /** Applies one live batch through the shared stream rule; a gap asks the log. */
  function receiveDelta(messageId: string, delta: StreamDelta): void {
    const cur = state.streams[messageId];
    const r = applyDelta(cur, delta);
    if (r.outcome === "applied") setState("streams", messageId, { ...cur, ...r.state });
    else if (r.outcome === "gap") void resume(messageId);
  }

  function finish(message: Message): void {
    batch(() => {
      upsertMessage(message);
      setState("streams", message.id, undefined!);
    });
  }

  const handlers: Partial<{ [E in keyof ServerToClientEvents]: ServerToClientEvents[E] }> = {
    "message:new": ({ sessionId: sid, message: lean }) => {
      if (sid !== sessionId) return;
      const message = fromRoomMessage(sid, lean);
      // A copy of one held is a snapshot: a node that was cut off from Redis replays
      // from the database what it missed, and the live room may be past that copy.
      if (state.hasNewer) settle(message);
      else upsertMessage(message, true);
    },
    // A revised message (edited, or an answer regenerated / continued): it streams again.
    "message:updated": ({ sessionId: sid, message }) => {
      if (sid !== sessionId) return;
      batch(() => {
        upsertMessage(message);
        if (message.status === "streaming") setState("streams", message.id, undefined!);
      });
    },
    "ai:start": ({ sessionId: sid, messageId, provider, model, epoch }) => {
      if (sid !== sessionId) return;
      ensureAssistant(messageId, provider, model);
      setState("streams", messageId, { epoch, seq: 0, text: "", provider, model });
    },
    "ai:delta": ({ sessionId: sid, messageId, epoch, seq, text }) => {
      if (sid === sessionId) receiveDelta(messageId, { epoch, seq, text });
    },
    "ai:done": ({ sessionId: sid, message }) => {
      if (sid === sessionId) finish(message);
    },
    // Only sent to sockets that joined with `presence: "full"` (not this one); kept for
    // a server older than the page events.
    presence: ({ sessionId: sid, users }) => {
      if (sid !== sessionId) return;
      batch(() => {
        setState("presence", reconcile(users, { key: "id" }));
        setState("presenceCount", users.length);
      });
    },
    "presence:join": (e) => {
      if (e.sessionId === sessionId) applyPresence({ kind: "join", e });
    },
    "presence:leave": (e) => {
      if (e.sessionId === sessionId) applyPresence({ kind: "leave", e });
    },
    typing: ({ sessionId: sid, userId, typing }) => {
      if (sid !== sessionId) return;
      clearTimeout(typingTimers.get(userId));
      setState("typing", userId, typing);
      // A client that vanished never sends typing:false; forget it after a while.
      if (typing)
        typingTimers.set(
          userId,
          setTimeout(() => setState("typing", userId, false), TYPING_TTL_MS),
        );
    },
    "session:updated": ({ session }) => {
      if (session.id !== sessionId) return;
      // The sidebar follows through the user channel (sessions.ts).
      setState("session", (s) => (s ? { ...s, ...session, role: s.role } : session));
    },
    "session:deleted": ({ sessionId: sid }) => {
      if (sid !== sessionId) return;
      removeSession(sid);
      setState("gone", "This session was deleted.");
    },
    "member:updated": ({ sessionId: sid, members, memberCount }) => {
      if (sid !== sessionId) return;
      const count = memberCount ?? members.length;
      setState({ members, memberCount: count });
      const me = state.session && members.find((m) => m.user.id === currentUser()?.id);
      // A page of a large room may not hold us: only the whole list says we are gone
      // (the personal channel's `membership` notice says it in any case).
      if (state.session && !me && members.length >= count) {
        removeSession(sessionId);
        setState("gone", "You are no longer a member of this session.");
      } else if (me && state.session && me.role !== state.session.role) {
        setState("session", "role", me.role);
      }
    },
  };

  createEffect(() => {
    const s = currentSocket();
    if (!s) return;
    for (const [event, fn] of Object.entries(handlers)) s.on(event as "presence", fn as never);
    onCleanup(() => {
      for (const [event, fn] of Object.entries(handlers)) s.off(event as "presence", fn as never);
      if (s.connected) s.emit("session:leave", { sessionId }, () => {});
    });
  });
  createEffect(
    on(connectionState, (cs) => {
      if (cs === "online") void join();
      else {
        presenceSeq = -1;
        setState({ joined: false, presence: [], presenceCount: 0 });
      }
    }),
  );
  const offSent = onSent((message) => upsertMessage(message));
  onCleanup(() => {
    offSent();
    for (const t of typingTimers.values()) clearTimeout(t);
  });

  if (!opts.socketOnly) void load(opts.around);

  return {
    state,
    /** Asks the server to stop a generation; the `ai:done` broadcast ends it for all. */
    async stop(messageId: string): Promise<void> {
      const res = await request("ai:stop", { sessionId, messageId }).catch((e: unknown) => ({
        error: { code: "network", message: errorText(e) },
      }));
      if ("error" in res && !opts.socketOnly) {
        // No gateway answer: the REST route does the same.
        await api("POST", `/chat/${sessionId}/stop`, { messageId });
      }
    },
    /** A new version of an answer; the `message:updated` broadcast restarts it for all. */
    async regenerate(messageId: string): Promise<void> {
      const res = await request("ai:regenerate", { sessionId, messageId });
      if ("error" in res) throw new Error(res.error.message);
      upsertMessage(res.message);
    },
    /** Goes on with an answer that stopped (the token limit). */
    async continueAnswer(messageId: string): Promise<void> {
      const res = await request("ai:continue", { sessionId, messageId });
      if ("error" in res) throw new Error(res.error.message);
      upsertMessage(res.message);
    },
    /** Edits one's own message; its answer is generated again. */
    async edit(messageId: string, content: string): Promise<void> {
      const res = await request("message:edit", { sessionId, messageId, content });
      if ("error" in res) throw new Error(res.error.message);
      upsertMessage(res.message);
      if (res.assistantMessage) upsertMessage(res.assistantMessage);
    },
    /** A message's earlier versions, oldest first. */
    async versions(messageId: string): Promise<MessageVersion[]> {
      const res = await request("message:versions", { sessionId, messageId });
      if ("error" in res) throw new Error(res.error.message);
      return res.versions;
    },
    setSession(session: Session) {
      setState("session", session);
      upsertSession(session);
    },
    setMembers(members: Member[]) {
      setState({ members, memberCount: Math.max(members.length, state.memberCount) });
    },
    /** The next page of members (a large room's join ack holds the first). */
    async loadMoreMembers(): Promise<void> {
      const res = await request("session:members", {
        sessionId,
        offset: state.members.length,
        limit: LIMITS.peoplePage,
      });
      if ("error" in res) throw new Error(res.error.message);
      const known = new Set(state.members.map((m) => m.user.id));
      batch(() => {
        setState("memberCount", res.memberCount);
        setState("members", (list) => [
          ...list,
          ...res.members.filter((m) => !known.has(m.user.id)),
        ]);
      });
    },
    /**
     * More of the people here, past the live page (a snapshot: the page's changes keep
     * coming; these extra names are not kept current).
     */
    async loadMorePeople(offset = state.presence.length): Promise<User[]> {
      const res = await request("session:presence", {
        sessionId,
        offset,
        limit: LIMITS.peoplePage,
      });
      if ("error" in res) throw new Error(res.error.message);
      setState("presenceCount", res.presenceCount);
      return res.users;
    },
    async loadOlder(): Promise<void> {
      const first = state.messages[0];
      if (!first) return;
      const detail = await api<SessionDetail>(
        "GET",
        `/chat/${sessionId}?before=${first.id}&limit=${LIMITS.historyPageMax}`,
      );
      batch(() => {
        setState("hasMore", detail.hasMore);
        setState("messages", (list) => [...detail.messages, ...list]);
      });
    },
    /** Pages a window of older history forward; at the newest, back to live. */
    async loadNewer(): Promise<void> {
      const last = state.messages[state.messages.length - 1];
      if (!last) return;
      const detail = await api<SessionDetail>(
        "GET",
        `/chat/${sessionId}?after=${last.id}&limit=${LIMITS.historyPageMax}`,
      );
      batch(() => {
        for (const m of detail.messages) upsertMessage(m);
        setState("hasNewer", !!detail.hasNewer);
      });
      if (!detail.hasNewer) void join();
    },
    /** Opens a window of history around a message (a search hit, a link). */
    jumpTo: (messageId: string) => load(messageId),
    /** Back to the newest page and live. */
    async jumpToLatest(): Promise<void> {
      setState({ messages: [], hasNewer: false });
      await load();
      await join();
    },
  };
}

export type ChatRoom = ReturnType<typeof createChatRoom>;
