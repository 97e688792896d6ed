import type { User } from "@engunity/shared";
import { createSignal } from "solid-js";

/**
 * The signed-in user, their short-lived access token and their refresh token (single
 * use: each renewal replaces both, see `renewAccessToken` in api.ts). They live in
 * localStorage and travel only in the Authorization header, the Socket.IO auth payload
 * and the refresh request's body — never in a URL, where they would end up in logs and
 * Referer headers.
 */
const KEY = "engunity.auth";

interface Stored {
  user: User;
  token: string;
  /** Absent for the widget's token and for sign-ins from before refresh tokens. */
  refreshToken?: string;
}

export function load(): Stored | null {
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
export const refreshToken = () => auth()?.refreshToken ?? null;
/** Whether tokens are kept in memory only (the embedded widget's). */
export const isEphemeral = () => ephemeral;

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

export function signIn(user: User, token: string, refresh?: string): void {
  const next: Stored = { user, token, ...(refresh ? { refreshToken: refresh } : {}) };
  localStorage.setItem(KEY, JSON.stringify(next));
  setAuth(next);
}

/** The renewed tokens of the same sign-in (the socket keeps its connection). */
export function replaceTokens(token: string, refresh: string): void {
  const current = auth();
  if (!current) return;
  const next: Stored = { ...current, token, refreshToken: refresh };
  if (!ephemeral) localStorage.setItem(KEY, JSON.stringify(next));
  setAuth(next);
}

/** Adopts what another tab stored (its renewal spent our refresh token). */
export function adoptStored(): void {
  if (!ephemeral) setAuth(load());
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
