import type { Session } from "@engunity/shared";
import { createStore, reconcile } from "solid-js/store";
import { api } from "./api";

/** A session as listed in the sidebar; `unread` comes from `GET /chat/`. */
export type Listing = Session & { unread?: boolean };

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
    const { sessions } = await api<{ sessions: Listing[] }>("GET", "/chat/");
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
    i >= 0 ? { ...store.list[i]!, ...session } : ({ unread: false, ...session } as Listing);
  const rest = store.list.filter((s) => s.id !== session.id);
  setStore("list", reconcile([...rest, merged].sort(byActivity), { key: "id" }));
}

export function removeSession(id: string): void {
  setStore("list", (list) => list.filter((s) => s.id !== id));
}

/** Marks a session as seen (the server marked it read when its history was fetched). */
export function markSeen(id: string): void {
  const i = store.list.findIndex((s) => s.id === id);
  if (i >= 0) setStore("list", i, "unread", false);
}

/** Bumps a session's activity when a message arrives, marking it unread unless open. */
export function touchSession(id: string, at: string, open: boolean): void {
  const s = store.list.find((x) => x.id === id);
  if (!s) return;
  upsertSession({
    id,
    activityAt: at,
    unread: !open,
    messageCount: s.messageCount + 1,
  });
}
