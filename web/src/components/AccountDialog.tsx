import type { LoginSessionWire, SelfUser } from "@engunity/shared";
import { LIMITS } from "@engunity/shared/limits";
import { useNavigate } from "@solidjs/router";
import { createResource, createSignal, For, Show } from "solid-js";
import {
  changePassword,
  deleteAccount,
  endSignIn,
  listSignIns,
  signOutEverywhere,
} from "../lib/account";
import { actionRunner, api } from "../lib/api";
import { currentUser } from "../lib/auth";
import { Dialog, DialogFooter } from "./Dialog";
import { toast } from "./Toast";

/** How a sign-in's User-Agent reads in the list: browser on system, else the raw string. */
function deviceLabel(ua: string): string {
  if (!ua) return "Unknown device";
  const browser = /Firefox\//.test(ua)
    ? "Firefox"
    : /Edg\//.test(ua)
      ? "Edge"
      : /Chrome\//.test(ua)
        ? "Chrome"
        : /Safari\//.test(ua)
          ? "Safari"
          : null;
  const os = /Android/.test(ua)
    ? "Android"
    : /iPhone|iPad/.test(ua)
      ? "iOS"
      : /Mac OS X/.test(ua)
        ? "macOS"
        : /Windows/.test(ua)
          ? "Windows"
          : /Linux/.test(ua)
            ? "Linux"
            : null;
  return browser && os ? `${browser} on ${os}` : ua.slice(0, 60);
}

/** Your account: sign-ins (and signing them out), consent, password, deleting the account. */
export function AccountDialog(props: { onClose: () => void }) {
  const navigate = useNavigate();
  const [signIns, { refetch }] = createResource(listSignIns);
  const [error, setError] = createSignal<string | null>(null);
  const [consent, setConsent] = createSignal(
    (currentUser() as SelfUser | null)?.consentRequired ?? false,
  );
  const [pwDone, setPwDone] = createSignal(false);
  const [confirmDelete, setConfirmDelete] = createSignal(false);

  const run = actionRunner(setError);

  const end = (s: LoginSessionWire) =>
    run(async () => {
      await endSignIn(s.id);
      await refetch();
    });

  const everywhere = () =>
    run(async () => {
      await signOutEverywhere();
      navigate("/login", { replace: true });
    });

  const toggleConsent = (value: boolean) =>
    run(async () => {
      const me = await api<SelfUser>("PATCH", "/auth/me", { consentRequired: value });
      setConsent(me.consentRequired);
    });

  const submitPassword = (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    void run(async () => {
      await changePassword(String(form.get("current")), String(form.get("next")));
      (e.target as HTMLFormElement).reset();
      setPwDone(true);
      await refetch();
    });
  };

  const submitDelete = (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    void run(async () => {
      await deleteAccount(String(form.get("password")));
      toast("Your account was deleted");
      navigate("/login", { replace: true });
    });
  };

  return (
    <Dialog label="Account" onClose={props.onClose} testId="account-dialog">
      <h2>Account</h2>
      <p class="muted account-who">
        Signed in as <strong>{currentUser()?.username}</strong>
        <Show when={currentUser()?.email}> · {currentUser()?.email}</Show>
      </p>

      <h3>Where you're signed in</h3>
      <ul class="link-list" data-testid="signin-list">
        <For each={signIns() ?? []}>
          {(s) => (
            <li class="link-row" data-testid="signin-row">
              <span class="link-meta">
                <strong>{deviceLabel(s.device)}</strong>
                <span class="muted">
                  {s.current
                    ? " · this device"
                    : ` · last seen ${new Date(s.lastSeenAt).toLocaleString()}`}
                </span>
              </span>
              <Show when={!s.current}>
                <button
                  class="btn btn-ghost btn-sm"
                  type="button"
                  data-testid="signin-end"
                  onClick={() => void end(s)}
                >
                  Sign out
                </button>
              </Show>
            </li>
          )}
        </For>
      </ul>
      <button
        class="btn btn-sm"
        type="button"
        data-testid="sign-out-everywhere"
        onClick={() => void everywhere()}
      >
        Sign out everywhere
      </button>

      <h3>Who may add you</h3>
      <label class="check-row">
        <input
          type="checkbox"
          data-testid="consent-toggle"
          checked={consent()}
          onChange={(e) => void toggleConsent(e.currentTarget.checked)}
        />
        Only people I accept may add me to a session
      </label>

      <h3>Change password</h3>
      <form class="stack-form" onSubmit={submitPassword} data-testid="password-form">
        <input
          class="input"
          type="password"
          name="current"
          autocomplete="current-password"
          placeholder="Current password"
          aria-label="Current password"
          required
        />
        <input
          class="input"
          type="password"
          name="next"
          autocomplete="new-password"
          placeholder={`New password (at least ${LIMITS.passwordMin} characters)`}
          aria-label="New password"
          minLength={LIMITS.passwordMin}
          required
        />
        <button class="btn" type="submit">
          Change password
        </button>
        <Show when={pwDone()}>
          <p class="muted" role="status" data-testid="password-done">
            Password changed. Every other device was signed out.
          </p>
        </Show>
      </form>

      <h3 class="danger-heading">Delete account</h3>
      <Show
        when={confirmDelete()}
        fallback={
          <>
            <p class="muted small">
              Sessions you own are deleted for everyone. Your messages in other people's sessions
              stay, shown as “Deleted user”.
            </p>
            <button
              class="btn btn-danger btn-sm"
              type="button"
              data-testid="delete-account"
              onClick={() => setConfirmDelete(true)}
            >
              Delete my account…
            </button>
          </>
        }
      >
        <form class="stack-form" onSubmit={submitDelete} data-testid="delete-form">
          <input
            class="input"
            type="password"
            name="password"
            autocomplete="current-password"
            placeholder="Your password, to confirm"
            aria-label="Password"
            required
          />
          <button class="btn btn-danger-solid" type="submit" data-testid="delete-confirm">
            Delete my account for good
          </button>
        </form>
      </Show>

      <DialogFooter error={error()} closeTestId="account-close" onClose={props.onClose} />
    </Dialog>
  );
}
