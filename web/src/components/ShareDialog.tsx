import type { InviteLink, Member, Session } from "@engunity/shared";
import { can } from "@engunity/shared/abilities";
import { createSignal, For, onMount, Show } from "solid-js";
import { actionRunner, api, errorText } from "../lib/api";
import { currentUser } from "../lib/auth";
import { displayName } from "../lib/format";
import { Avatar } from "./Avatar";
import { Dialog, DialogFooter } from "./Dialog";

const USES = [
  { label: "No limit", uses: 0 },
  { label: "1 person", uses: 1 },
  { label: "5 people", uses: 5 },
  { label: "25 people", uses: 25 },
];

const EXPIRY = [
  { label: "1 hour", minutes: 60 },
  { label: "1 day", minutes: 60 * 24 },
  { label: "7 days", minutes: 60 * 24 * 7 },
  { label: "30 days", minutes: 60 * 24 * 30 },
];

/** Members with their roles, adding by username, and invite links with role and expiry. */
export function ShareDialog(props: {
  session: Session;
  members: Member[];
  onMembers: (members: Member[]) => void;
  onClose: () => void;
}) {
  const isOwner = () => can(props.session.role, "manageMembers");
  // Invite links, like adding members, are the owner's (the server's session policy).
  const canInvite = isOwner;
  const [error, setError] = createSignal<string | null>(null);
  // Adding a member fails next to its field ("User not found"), not at the bottom.
  const [addError, setAddError] = createSignal<string | null>(null);
  const [inviteRole, setInviteRole] = createSignal<"editor" | "viewer">("editor");
  const [expiry, setExpiry] = createSignal(60 * 24 * 7);
  const [link, setLink] = createSignal<{ url: string; expiresAt: string } | null>(null);
  const [copied, setCopied] = createSignal(false);
  const [uses, setUses] = createSignal(0);
  const [links, setLinks] = createSignal<InviteLink[]>([]);
  const [notice, setNotice] = createSignal<string | null>(null);
  const loadLinks = async () => {
    if (!canInvite()) return;
    const res = await api<{ invites: InviteLink[] }>("GET", `/chat/${props.session.id}/invites`);
    setLinks(res.invites);
  };
  onMount(() => void loadLinks().catch(() => {}));
  const revokeLink = (id: string) =>
    run(async () => {
      await api("DELETE", `${base()}/invites/${id}`);
      setLinks((all) => all.filter((l) => l.id !== id));
    });
  const [addName, setAddName] = createSignal("");
  const [addRole, setAddRole] = createSignal<"editor" | "viewer">("editor");
  const base = () => `/chat/${props.session.id}`;

  const run = actionRunner(setError);

  const createLink = () =>
    run(async () => {
      const res = await api<{ url: string; expiresAt: string }>("POST", `${base()}/invites`, {
        role: inviteRole(),
        expiresInMinutes: expiry(),
        ...(uses() ? { maxUses: uses() } : {}),
      });
      setLink(res);
      setCopied(false);
      await loadLinks();
    });

  const add = (e: SubmitEvent) => {
    e.preventDefault();
    const login = addName().trim();
    if (!login) return;
    setAddError(null);
    setNotice(null);
    void (async () => {
      try {
        const res = await api<{ members?: Member[]; status?: "pending" }>(
          "POST",
          `${base()}/members`,
          {
            ...(login.includes("@") ? { email: login } : { username: login }),
            role: addRole(),
          },
        );
        // 202: they approve adds themselves (or were asked by email); nothing to show yet.
        if (res.members) props.onMembers(res.members);
        else setNotice(`Invitation sent to ${login}. They join once they accept.`);
        setAddName("");
      } catch (err) {
        setAddError(errorText(err));
      }
    })();
  };

  const changeRole = (m: Member, role: string) =>
    run(async () => {
      const res = await api<{ members: Member[] }>("PATCH", `${base()}/members/${m.user.id}`, {
        role,
      });
      props.onMembers(res.members);
    });

  const remove = (m: Member) =>
    run(async () => {
      await api("DELETE", `${base()}/members/${m.user.id}`);
      props.onMembers(props.members.filter((x) => x.user.id !== m.user.id));
    });

  async function copy() {
    const url = link()?.url;
    if (!url) return;
    await navigator.clipboard.writeText(url).catch(() => {});
    setCopied(true);
  }

  return (
    <Dialog
      label={isOwner() ? "Share session" : "Members"}
      onClose={props.onClose}
      testId="share-dialog"
    >
      <h2>
        {isOwner() ? "Share" : "Members of"} “{props.session.title || "Untitled session"}”
      </h2>
      <p class="muted" style={{ margin: 0, "font-size": "14px" }}>
        Editors can chat and ask the AI; viewers can read and watch answers stream.
      </p>

      <h3>Members</h3>
      <div>
        <For each={props.members}>
          {(m) => (
            <div class="member-row" data-testid="member" data-user-id={m.user.id}>
              <Avatar id={m.user.id} name={displayName(m.user)} small />
              <div class="who">
                {displayName(m.user)}
                {m.user.id === currentUser()?.id ? " (you)" : ""}
                <small>
                  @{m.user.username}
                  {m.online ? " · online" : ""}
                </small>
              </div>
              <Show
                when={isOwner() && m.role !== "owner"}
                fallback={<span class="role-pill">{m.role}</span>}
              >
                <select
                  class="select"
                  aria-label={`Role of ${displayName(m.user)}`}
                  value={m.role}
                  onChange={(e) => void changeRole(m, e.currentTarget.value)}
                >
                  <option value="editor">Editor</option>
                  <option value="viewer">Viewer</option>
                </select>
                <button
                  class="btn btn-sm btn-ghost btn-danger"
                  type="button"
                  aria-label={`Remove ${displayName(m.user)}`}
                  onClick={() => void remove(m)}
                >
                  Remove
                </button>
              </Show>
            </div>
          )}
        </For>
      </div>

      <Show when={isOwner()}>
        <h3>Add by username or email</h3>
        <form class="invite-form" onSubmit={add}>
          <label class="field">
            <span class="sr-only">Username or email</span>
            <input
              class="input"
              placeholder="username or email"
              data-testid="member-add-name"
              aria-invalid={addError() ? "true" : undefined}
              aria-describedby={addError() ? "member-add-error" : undefined}
              value={addName()}
              onInput={(e) => {
                setAddName(e.currentTarget.value);
                setAddError(null);
              }}
            />
          </label>
          <select
            class="select"
            aria-label="Role"
            value={addRole()}
            onChange={(e) => setAddRole(e.currentTarget.value as "editor" | "viewer")}
          >
            <option value="editor">Editor</option>
            <option value="viewer">Viewer</option>
          </select>
          <button class="btn" type="submit">
            Add
          </button>
        </form>
        <Show when={addError()}>
          <p
            class="error-text field-error"
            id="member-add-error"
            role="alert"
            data-testid="member-add-error"
          >
            {addError()}
          </p>
        </Show>
      </Show>

      <Show when={canInvite()}>
        <h3>Invite link</h3>
        <div class="invite-form">
          <label class="field">
            Role
            <select
              class="select"
              data-testid="invite-role"
              value={inviteRole()}
              onChange={(e) => setInviteRole(e.currentTarget.value as "editor" | "viewer")}
            >
              <option value="editor">Editor</option>
              <option value="viewer">Viewer</option>
            </select>
          </label>
          <label class="field">
            Expires after
            <select
              class="select"
              data-testid="invite-expiry"
              value={expiry()}
              onChange={(e) => setExpiry(Number(e.currentTarget.value))}
            >
              <For each={EXPIRY}>{(x) => <option value={x.minutes}>{x.label}</option>}</For>
            </select>
          </label>
          <label class="field">
            Uses
            <select
              class="select"
              data-testid="invite-uses"
              value={uses()}
              onChange={(e) => setUses(Number(e.currentTarget.value))}
            >
              <For each={USES}>{(x) => <option value={x.uses}>{x.label}</option>}</For>
            </select>
          </label>
          <button
            class="btn btn-primary"
            type="button"
            data-testid="invite-create"
            onClick={() => void createLink()}
          >
            Create link
          </button>
        </div>
        <Show when={link()}>
          <div class="invite-link">
            <input
              class="input"
              readOnly
              value={link()!.url}
              data-testid="invite-url"
              aria-label="Invite link"
            />
            <button class="btn" type="button" onClick={() => void copy()}>
              {copied() ? "Copied" : "Copy"}
            </button>
          </div>
          <p class="muted" style={{ "font-size": "12px", margin: "6px 0 0" }}>
            Anyone with this link can join as {inviteRole()} until{" "}
            {new Date(link()!.expiresAt).toLocaleString()}.
          </p>
        </Show>
      </Show>

      <Show when={canInvite() && links().length}>
        <h3>Active links</h3>
        <ul class="link-list" data-testid="invite-links">
          <For each={links()}>
            {(l) => (
              <li class="link-row" data-testid="invite-link-row">
                <span class="link-meta">
                  <strong>{l.role === "editor" ? "Editor" : "Viewer"}</strong>
                  <span class="muted">
                    {" · "}
                    {l.maxUses ? `${l.uses} of ${l.maxUses} used` : `${l.uses} joined`}
                    {" · until "}
                    {new Date(l.expiresAt).toLocaleDateString()}
                  </span>
                </span>
                <button
                  class="btn btn-ghost btn-sm"
                  type="button"
                  data-testid="invite-revoke"
                  onClick={() => void revokeLink(l.id)}
                >
                  Revoke
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>

      <DialogFooter
        error={error()}
        notice={notice()}
        noticeTestId="share-notice"
        closeTestId="share-close"
        onClose={props.onClose}
      />
    </Dialog>
  );
}
