import type { ReadState, RoomMessage, Session, SessionListItem } from "@engunity/shared";
import { createEffect, createRoot, onCleanup } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { api } from "./api";
import { currentUser } from "./auth";
import { currentSocket } from "./socket";

/**
 * A session as listed in the sidebar. The unread state comes from `GET /chat/` and
 * then lives on the user channel: `session:activity` counts up (`message:new` for the
 * session this socket views, which gets no `session:activity`), `session:read` (from
 * any of the user's devices) sets it to the server's number.
 */
export type Listing = Session & Partial<Pick<SessionListItem, "unreadCount" | "lastReadMessageId">>;

const [store, setStore] = createStore<{ list: Listing[]; loaded: boolean; error: string | null }>({
  list: [],
  loaded: false,
  error: null,
});

/** The sidebar's sessions, newest activity first. */
export const sessionList = store;

const byActivity = (a: Listing, b: Listing) =>
  (b.activityAt ?? b.updatedAt).localeCompare(a.activityAt ?? a.updatedAt);

export async function refreshSessions(): Promise<void> {
  try {
    const { sessions } = await api<{ sessions: SessionListItem[] }>("GET", "/chat/");
    setStore("list", reconcile([...sessions].sort(byActivity), { key: "id" }));
    setStore({ loaded: true, error: null });
  } catch (e) {
    setStore({ loaded: true, error: e instanceof Error ? e.message : String(e) });
  }
}

/** Merges a session the app learned about (created, updated, joined, active). */
export function upsertSession(session: Partial<Listing> & { id: string }): void {
  const i = store.list.findIndex((s) => s.id === session.id);
  const merged =
    i >= 0 ? { ...store.list[i]!, ...session } : ({ unreadCount: 0, ...session } as Listing);
  const rest = store.list.filter((s) => s.id !== session.id);
  setStore("list", reconcile([...rest, merged].sort(byActivity), { key: "id" }));
}

export function removeSession(id: string): void {
  setStore("list", (list) => list.filter((s) => s.id !== id));
}

function applyRead(state: ReadState): void {
  const i = store.list.findIndex((s) => s.id === state.sessionId);
  if (i < 0) return;
  setStore("list", i, {
    unreadCount: state.unreadCount,
    lastReadMessageId: state.lastReadMessageId,
  });
}

/** Reads a session up to a message (default: its newest) on the server, for every device. */
export async function markRead(sessionId: string, messageId?: string): Promise<void> {
  applyRead(
    await api<ReadState>("POST", `/chat/${sessionId}/read`, messageId ? { messageId } : {}),
  );
}

/** "Mark all read". */
export async function markAllRead(): Promise<void> {
  const { sessions } = await api<{ sessions: ReadState[] }>("POST", "/chat/read-all", {});
  for (const s of sessions) applyRead(s);
}

// The user channel, for the whole signed-in lifetime (not only while a chat is open).
createRoot(() => {
  createEffect(() => {
    const socket = currentSocket();
    if (!socket) return;
    const onActivity = (p: { sessionId: string; authorId: string | null; createdAt: string }) => {
      const s = store.list.find((x) => x.id === p.sessionId);
      // A session we have not listed yet (just added to it): the list knows more.
      if (!s) {
        void refreshSessions();
        return;
      }
      const mine = p.authorId !== null && p.authorId === currentUser()?.id;
      upsertSession({
        id: p.sessionId,
        activityAt: p.createdAt,
        messageCount: s.messageCount + 1,
        // Counted here even for the open session: its view reads it on the server,
        // and the `session:read` that follows sets the number every device shows.
        unreadCount: (s.unreadCount ?? 0) + (mine ? 0 : 1),
      });
    };
    const onUpdated = ({ session }: { session: Session }) => {
      const s = store.list.find((x) => x.id === session.id);
      // The broadcast role is the writer's; ours stays.
      if (s) upsertSession({ ...session, role: s.role });
    };
    // A socket viewing a session gets its `message:new` instead of `session:activity`.
    const onNew = ({ sessionId, message }: { sessionId: string; message: RoomMessage }) =>
      onActivity({
        sessionId,
        authorId: message.author?.id ?? null,
        createdAt: message.createdAt,
      });
    socket.on("session:activity", onActivity);
    socket.on("message:new", onNew);
    socket.on("session:read", applyRead);
    socket.on("session:updated", onUpdated);
    onCleanup(() => {
      socket.off("session:activity", onActivity);
      socket.off("message:new", onNew);
      socket.off("session:read", applyRead);
      socket.off("session:updated", onUpdated);
    });
  });
});
