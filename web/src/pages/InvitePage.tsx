import type { Session } from "@engunity/shared";
import { A, useNavigate, useParams } from "@solidjs/router";
import { createSignal, onMount, Show } from "solid-js";
import { api, errorText } from "../lib/api";
import { upsertSession } from "../lib/sessions";

/** `/invite/:token`: accepts the invite and opens the session. */
export function InvitePage() {
  const params = useParams<{ token: string }>();
  const navigate = useNavigate();
  const [error, setError] = createSignal<string | null>(null);
  onMount(async () => {
    try {
      const res = await api<{ session: Session }>(
        "POST",
        `/invites/${encodeURIComponent(params.token)}/accept`,
      );
      upsertSession(res.session);
      navigate(`/chat/${res.session.id}`, { replace: true });
    } catch (e) {
      setError(errorText(e));
    }
  });
  return (
    <div class="home-empty" data-testid="invite-page">
      <Show when={error()} fallback={<p>Joining the session…</p>}>
        <div>
          <h2>This invite link doesn't work</h2>
          <p>{error()} — it may have expired. Ask for a new link.</p>
          <A class="btn" href="/">
            Back to your sessions
          </A>
        </div>
      </Show>
    </div>
  );
}
