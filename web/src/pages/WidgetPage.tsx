import type { Session, WidgetSessionGroup } from "@engunity/shared";
import { A, useNavigate } from "@solidjs/router";
import { createResource, For, Show } from "solid-js";
import { Avatar } from "../components/Avatar";
import { OpenNavButton } from "../components/OpenNavButton";
import { toast } from "../components/Toast";
import { api, errorText } from "../lib/api";
import { shortTime } from "../lib/format";
import { upsertSession } from "../lib/sessions";
import { WidgetKeys } from "./WidgetKeys";

/**
 * `/widget`: the keys the caller manages (create, revoke, the snippet) and the team's
 * inbox of widget conversations, grouped per key, with each visitor's name and the
 * page they are on. Joining adds you to the session.
 */
export function WidgetPage() {
  const navigate = useNavigate();
  const [groups, { refetch }] = createResource(async () => {
    const res = await api<{ groups: WidgetSessionGroup[] }>("GET", "/widget/sessions");
    return res.groups;
  });

  async function join(keyId: string, sessionId: string) {
    try {
      const session = await api<Session>(
        "POST",
        `/widget/keys/${keyId}/sessions/${sessionId}/join`,
      );
      upsertSession(session);
      navigate(`/chat/${sessionId}`);
    } catch (e) {
      toast(errorText(e));
    }
  }

  return (
    <div class="widget-page" data-testid="widget-inbox">
      <header class="chat-head">
        <OpenNavButton />
        <h1 class="widget-page-title">Widget conversations</h1>
        <button class="btn btn-sm" type="button" onClick={() => void refetch()}>
          Refresh
        </button>
      </header>
      <div class="widget-groups">
        <Show when={groups.error}>
          <p class="error-text">{errorText(groups.error)}</p>
        </Show>
        <Show when={groups()}>
          {(list) => <WidgetKeys keys={list().map((g) => g.key)} onChange={() => void refetch()} />}
        </Show>
        <Show when={groups()?.length}>
          <h2 class="widget-inbox-title">Conversations</h2>
        </Show>
        <For each={groups()}>
          {(g) => (
            <section class="widget-group" data-testid="widget-group" data-key-id={g.key.id}>
              <h2>
                {g.key.teamName}
                <span class="muted">
                  {" "}
                  · {g.key.allowedOrigins.join(", ")} · {g.key.prefix}…
                  {g.key.revokedAt ? " · revoked" : ""}
                </span>
              </h2>
              <Show when={g.sessions.length === 0}>
                <p class="muted">No visitors yet.</p>
              </Show>
              <ul class="widget-sessions">
                <For each={g.sessions}>
                  {(s) => (
                    <li
                      class="widget-session"
                      data-testid="widget-session"
                      data-session-id={s.sessionId}
                    >
                      <Avatar id={s.visitor.userId} name={s.visitor.name} small />
                      <div class="widget-session-text">
                        <span>
                          <strong>{s.visitor.name}</strong>{" "}
                          <span class="visitor-badge">visitor</span>
                        </span>
                        <span class="muted widget-page-url" title={s.visitor.pageUrl ?? ""}>
                          {s.visitor.pageUrl ?? "page unknown"}
                        </span>
                      </div>
                      <time class="muted" dateTime={s.activityAt}>
                        {shortTime(s.activityAt)}
                      </time>
                      <Show
                        when={s.joined}
                        fallback={
                          <button
                            class="btn btn-primary btn-sm"
                            type="button"
                            data-testid="widget-join"
                            onClick={() => void join(g.key.id, s.sessionId)}
                          >
                            Join
                          </button>
                        }
                      >
                        <A
                          class="btn btn-sm"
                          href={`/chat/${s.sessionId}`}
                          data-testid="widget-open"
                        >
                          Open
                        </A>
                      </Show>
                    </li>
                  )}
                </For>
              </ul>
            </section>
          )}
        </For>
      </div>
    </div>
  );
}
