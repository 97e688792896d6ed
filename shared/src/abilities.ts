/**
 * Who may do what in a session, and the default AI mode — facts both the server and
 * the web app need. The server's policy (core `authorize`) asks `can`; the web app asks
 * the same function to decide which controls to show, instead of re-deriving it from
 * role strings. Free of zod, so the web app imports it without the schemas.
 */

/** A member's role (the same values as `roleSchema` in objects.ts). */
export type SessionRole = "owner" | "editor" | "viewer";

export type SessionAction =
  | "read"
  | "write"
  | "askAi"
  | "stopAi"
  | "upload"
  | "editTitle"
  | "editSettings"
  | "invite"
  | "manageMembers"
  | "shareDocuments"
  | "delete";

const ALLOWED: Record<SessionAction, readonly SessionRole[]> = {
  read: ["owner", "editor", "viewer"],
  write: ["owner", "editor"],
  askAi: ["owner", "editor"],
  stopAi: ["owner", "editor"],
  upload: ["owner", "editor"],
  editTitle: ["owner", "editor"],
  editSettings: ["owner", "editor"],
  invite: ["owner"],
  manageMembers: ["owner"],
  // Publishing a session's documents beyond its members (a widget key's template).
  shareDocuments: ["owner"],
  delete: ["owner"],
};

/** Whether `role` may do `action`. An unknown or missing role may do nothing. */
export function can(role: SessionRole | null | undefined, action: SessionAction): boolean {
  return role ? ALLOWED[action].includes(role) : false;
}

/**
 * The AI mode of a session whose settings name none (PROTOCOL): a session with one
 * member answers every message, a shared one only `@ai` mentions.
 */
export function defaultAiMode(memberCount: number): "every" | "mention" {
  return memberCount > 1 ? "mention" : "every";
}
