import type { AuthResponse } from "@engunity/shared";
import { LIMITS } from "@engunity/shared/limits";
import { Navigate, useNavigate, useSearchParams } from "@solidjs/router";
import { createSignal, Show } from "solid-js";
import { Brand } from "../components/Brand";
import { ThemeToggle } from "../components/ThemeToggle";
import { api, errorText } from "../lib/api";
import { accessToken, signIn } from "../lib/auth";

/** `/login`: sign in or sign up, then back to where the user was going. */
export function LoginPage() {
  const [params] = useSearchParams<{ next?: string }>();
  const navigate = useNavigate();
  const [mode, setMode] = createSignal<"signin" | "signup">("signin");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);

  // Only same-app paths: an open redirect to another site would be a phishing aid.
  const next = () =>
    params.next?.startsWith("/") && !params.next.startsWith("//") ? params.next : "/";
  // Opened from an invite link: say so, and offer the account a newcomer needs.
  const invited = () => next().startsWith("/invite/");
  if (invited()) setMode("signup");

  async function submit(e: SubmitEvent) {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const get = (k: string) => String(form.get(k) ?? "").trim();
    setBusy(true);
    setError(null);
    try {
      const res =
        mode() === "signup"
          ? await api<AuthResponse>("POST", "/auth/register", {
              username: get("username"),
              email: get("email"),
              password: String(form.get("password") ?? ""),
              ...(get("fullName") ? { fullName: get("fullName") } : {}),
            })
          : await api<AuthResponse>("POST", "/auth/login", {
              login: get("username"),
              password: String(form.get("password") ?? ""),
            });
      signIn(res.user, res.accessToken, res.refreshToken);
      navigate(next(), { replace: true });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Show when={!accessToken()} fallback={<Navigate href={next()} />}>
      <main class="auth-page">
        <div class="auth-card">
          <div
            style={{ display: "flex", "justify-content": "space-between", "align-items": "center" }}
          >
            <Brand />
            <ThemeToggle />
          </div>
          <Show when={invited()}>
            <div class="invite-notice" data-testid="invite-notice" role="note">
              <strong>You've been invited to a session.</strong> Create an account or sign in, and
              you'll join it straight away.
            </div>
          </Show>
          <h1>
            {mode() === "signup"
              ? invited()
                ? "Create an account to join"
                : "Create your account"
              : invited()
                ? "Sign in to join"
                : "Welcome back"}
          </h1>
          <p class="muted" style={{ margin: 0, "font-size": "14px" }}>
            {mode() === "signup"
              ? "Chat with your team and an AI, in one place."
              : "Sign in to pick up where your team left off."}
          </p>
          <form onSubmit={submit} novalidate={false}>
            <label class="field">
              {mode() === "signup" ? "Username" : "Username or email"}
              <input
                class="input"
                name="username"
                data-testid="auth-username"
                autocomplete="username"
                required
                minLength={mode() === "signup" ? LIMITS.usernameMin : 1}
                maxLength={mode() === "signup" ? LIMITS.usernameMax : LIMITS.emailMax}
              />
            </label>
            <Show when={mode() === "signup"}>
              <label class="field">
                Email
                <input
                  class="input"
                  name="email"
                  type="email"
                  data-testid="auth-email"
                  autocomplete="email"
                  required
                  maxLength={LIMITS.emailMax}
                />
              </label>
              <label class="field">
                <span class="field-label">
                  Full name <span class="muted">(optional)</span>
                </span>
                <input
                  class="input"
                  name="fullName"
                  autocomplete="name"
                  maxLength={LIMITS.fullNameMax}
                />
              </label>
            </Show>
            <label class="field">
              Password
              <input
                class="input"
                name="password"
                type="password"
                data-testid="auth-password"
                autocomplete={mode() === "signup" ? "new-password" : "current-password"}
                required
                minLength={mode() === "signup" ? LIMITS.passwordMin : 1}
                maxLength={LIMITS.passwordMax}
              />
            </label>
            <Show when={error()}>
              <div class="error-text" role="alert" data-testid="auth-error">
                {error()}
              </div>
            </Show>
            <button
              class="btn btn-primary"
              type="submit"
              data-testid="auth-submit"
              disabled={busy()}
            >
              {busy() ? "One moment…" : mode() === "signup" ? "Create account" : "Sign in"}
            </button>
          </form>
          <div class="auth-switch">
            {mode() === "signup" ? "Already have an account? " : "New here? "}
            <button
              type="button"
              class="linklike"
              data-testid="auth-mode"
              onClick={() => {
                setError(null);
                setMode(mode() === "signup" ? "signin" : "signup");
              }}
            >
              {mode() === "signup" ? "Sign in" : "Create an account"}
            </button>
          </div>
        </div>
      </main>
    </Show>
  );
}
