import type { Invitation, LoginSessionWire, MembershipNotice, Session } from "@engunity/shared";
import { createRoot, createSignal } from "solid-js";
import { api } from "./api";
import { currentUser, signOut } from "./auth";
import { refreshSessions, removeSession } from "./sessions";

/**
 * The signed-in person's own account: their sign-ins (login sessions), pending
 * invitations, and what the personal channel says about their memberships.
 */
const [invitations, setInvitations] = createRoot(() => createSignal<Invitation[]>([]));

export { invitations };

export async function refreshInvitations(): Promise<void> {
  const res = await api<{ invitations: Invitation[] }>("GET", "/invitations");
  setInvitations(res.invitations);
}

export async function answerInvitation(id: string, accept: boolean): Promise<Session | null> {
  const res = await api<{ session: Session } | undefined>(
    "POST",
    `/invitations/${id}/${accept ? "accept" : "decline"}`,
  );
  setInvitations((all) => all.filter((i) => i.id !== id));
  if (accept) await refreshSessions();
  return res?.session ?? null;
}

export const listSignIns = () =>
  api<{ sessions: LoginSessionWire[] }>("GET", "/auth/sessions").then((r) => r.sessions);
export const endSignIn = (id: string) => api("DELETE", `/auth/sessions/${id}`);

/** Signs this device out on the server too (the token dies everywhere it was copied). */
export async function signOutHere(): Promise<void> {
  await api("POST", "/auth/logout").catch(() => {});
  signOut();
}

export async function signOutEverywhere(): Promise<void> {
  await api("POST", "/auth/logout-all");
  signOut();
}

export const changePassword = (currentPassword: string, newPassword: string) =>
  api("POST", "/auth/password", { currentPassword, newPassword });

export async function deleteAccount(password: string): Promise<void> {
  await api("DELETE", "/auth/me", { password });
  signOut();
}

/** Leaves a session someone added the caller to (anyone may remove themself). */
export async function leaveSession(sessionId: string): Promise<void> {
  const me = currentUser();
  if (!me) return;
  await api("DELETE", `/chat/${sessionId}/members/${me.id}`);
  removeSession(sessionId);
}

/**
 * Blocks a person: their adds of the caller store nothing from now on, and their
 * pending invitations go. Used with `leaveSession` on the "added you" notice.
 */
export async function blockUser(userId: string): Promise<void> {
  await api("POST", `/users/${userId}/block`);
  setInvitations((all) => all.filter((i) => i.invitedBy.id !== userId));
}

/** Applies a membership notice from the personal channel; returns what to tell the person. */
export function applyMembershipNotice(notice: MembershipNotice): string {
  const by = notice.by ? notice.by.fullName || notice.by.username : "The owner";
  const title = notice.session.title || "Untitled session";
  switch (notice.type) {
    case "added":
      void refreshSessions();
      return `${by} added you to “${title}”`;
    case "invited":
      void refreshInvitations().catch(() => {});
      return `${by} invited you to “${title}”`;
    case "removed":
      removeSession(notice.session.id);
      return `You were removed from “${title}”`;
  }
}
