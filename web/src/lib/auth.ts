import type { User } from "@engunity/shared";
import { createSignal } from "solid-js";

/**
 * The signed-in user and their access token. The token lives in localStorage and
 * travels only in the Authorization header and the Socket.IO auth payload — never
 * in a URL, where it would end up in logs and Referer headers.
 */
const KEY = "engunity.auth";

interface Stored {
  user: User;
  token: string;
}

function load(): Stored | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Stored) : null;
  } catch {
    return null;
  }
}

const [auth, setAuth] = createSignal<Stored | null>(load());
/** Set in the embed: the token is the widget's, held in memory only. */
let ephemeral = false;

export const currentUser = () => auth()?.user ?? null;
export const accessToken = () => auth()?.token ?? null;

/**
 * The embedded widget's mode: whatever this origin's storage holds is ignored, and
 * the token the host page hands over lives in memory only (it is bound to one
 * session, and must never replace — or be replaced by — a signed-in user's).
 * Call before the socket module loads, then again with each fresh token.
 */
export function useEphemeralAuth(user: User | null, token: string | null): void {
  ephemeral = true;
  setAuth(user && token ? { user, token } : null);
}

export function signIn(user: User, token: string): void {
  localStorage.setItem(KEY, JSON.stringify({ user, token }));
  setAuth({ user, token });
}

export function signOut(): void {
  if (ephemeral) {
    setAuth(null);
    return;
  }
  localStorage.removeItem(KEY);
  setAuth(null);
}

// Another tab signing in or out changes this one too.
window.addEventListener("storage", (e) => {
  if (e.key === KEY && !ephemeral) setAuth(load());
});
