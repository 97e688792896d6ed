import type { CreateWidgetKeyBody, Document, WidgetKey } from "@engunity/shared";
import { createResource, createSignal, For, Show } from "solid-js";
import { ConfirmDialog, Dialog } from "../components/Dialog";
import { toast } from "../components/Toast";
import { api, errorText } from "../lib/api";
import { shortTime } from "../lib/format";
import { isAdmin } from "../lib/me";
import { sessionList } from "../lib/sessions";

/** The script tag a host page adds (its backend serves `/engunity-token`). */
export function embedSnippet(): string {
  return `<script src="${location.origin}/widget.js" data-token-endpoint="/engunity-token" async></script>`;
}

/** The host backend's token exchange, as a curl line. */
export function tokenCurl(secret = "$WIDGET_KEY"): string {
  return `curl -s ${location.origin}/api/v1/widget/tokens -H "x-widget-key: ${secret}" -H "content-type: application/json" -d '{"visitor":{"id":"user-123","name":"Ada"},"pageUrl":"https://app.example.com/help"}'`;
}

async function copy(text: string, what: string) {
  try {
    await navigator.clipboard.writeText(text);
    toast(`${what} copied`);
  } catch {
    toast(`Could not copy the ${what.toLowerCase()}`);
  }
}

const describeMode = (k: WidgetKey) => {
  if (k.mode === "session") {
    const s = sessionList.list.find((x) => x.id === k.sessionId);
    return `one session: ${s?.title ?? k.sessionId}`;
  }
  const t = k.template;
  const docs = t?.documents?.length ?? 0;
  return [
    `a session per visitor ("${t?.title ?? "Chat"}")`,
    t?.aiMode === "off" ? "AI off" : "AI on",
    docs ? `${docs} document${docs === 1 ? "" : "s"} shared` : "no documents",
  ].join(" · ");
};

const describeCaps = (k: WidgetKey) => {
  const n = (v: number, unit: string) => (v === 0 ? `unlimited ${unit}` : `${v} ${unit}`);
  return [
    n(k.caps.sessionsPerDay, "sessions/day"),
    n(k.caps.messagesPerVisitorPerDay, "messages/visitor/day"),
    n(k.caps.aiTokensPerDay, "AI tokens/day"),
  ].join(" · ");
};

/**
 * The widget keys the caller manages (owners of sessions, admins: every key): create
 * one (allowed origins, caps, AI on or off, documents to share), list, revoke, and copy
 * the snippet for the host page and its backend.
 */
export function WidgetKeys(props: { keys: WidgetKey[]; onChange: () => void }) {
  const [creating, setCreating] = createSignal(false);
  const [revoking, setRevoking] = createSignal<WidgetKey | null>(null);
  const [rotating, setRotating] = createSignal<WidgetKey | null>(null);
  const [rotated, setRotated] = createSignal<string | null>(null);

  async function rotate(key: WidgetKey) {
    setRotating(null);
    try {
      const res = await api<{ key: string }>("POST", `/widget/keys/${key.id}/rotate`);
      setRotated(res.key);
      props.onChange();
    } catch (e) {
      toast(errorText(e));
    }
  }

  async function revoke(key: WidgetKey) {
    setRevoking(null);
    try {
      await api("POST", `/widget/keys/${key.id}/revoke`);
      toast("Key revoked: its widgets are disconnected");
      props.onChange();
    } catch (e) {
      toast(errorText(e));
    }
  }

  return (
    <section class="widget-keys" data-testid="widget-keys" aria-labelledby="widget-keys-title">
      <div class="widget-keys-head">
        <h2 id="widget-keys-title">Widget keys</h2>
        <button
          class="btn btn-primary btn-sm"
          type="button"
          data-testid="widget-key-new"
          onClick={() => setCreating(true)}
        >
          New key
        </button>
      </div>
      <Show
        when={props.keys.length}
        fallback={
          <p class="muted">
            No keys yet. A key lets a host app embed a chat with your team and the AI.
          </p>
        }
      >
        <ul class="widget-key-list">
          <For each={props.keys}>
            {(k) => (
              <li
                class="widget-key"
                classList={{ revoked: !!k.revokedAt }}
                data-testid="widget-key"
                data-key-id={k.id}
              >
                <div class="widget-key-text">
                  <strong>{k.teamName}</strong> <code class="muted">{k.prefix}…</code>
                  <Show when={k.revokedAt}>
                    <span class="revoked-badge">revoked</span>
                  </Show>
                  <span class="muted">{k.allowedOrigins.join(", ")}</span>
                  <span class="muted small">{describeMode(k)}</span>
                  <span class="muted small">
                    {describeCaps(k)}
                    {k.allowAnonymous ? " · anonymous visitors" : ""} · created{" "}
                    {shortTime(k.createdAt)}
                    {/* An admin's list holds other people's keys: say whose. */}
                    {isAdmin() && k.createdBy ? ` by @${k.createdBy.username}` : ""}
                  </span>
                </div>
                <div class="widget-key-actions">
                  <button
                    class="btn btn-sm"
                    type="button"
                    data-testid="widget-key-copy"
                    onClick={() => void copy(embedSnippet(), "Snippet")}
                  >
                    Copy snippet
                  </button>
                  <Show when={!k.revokedAt}>
                    <button
                      class="btn btn-sm"
                      type="button"
                      data-testid="widget-key-rotate"
                      onClick={() => setRotating(k)}
                    >
                      Rotate
                    </button>
                    <button
                      class="btn btn-sm btn-ghost btn-danger"
                      type="button"
                      data-testid="widget-key-revoke"
                      onClick={() => setRevoking(k)}
                    >
                      Revoke
                    </button>
                  </Show>
                </div>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show when={creating()}>
        <NewKeyDialog onClose={() => setCreating(false)} onCreated={() => props.onChange()} />
      </Show>
      <Show when={rotating()}>
        {(k) => (
          <ConfirmDialog
            title="Rotate this key?"
            body={`The current secret of “${k().teamName}” stops working at once; live widgets keep their tokens until your backend fetches the next one with the new secret.`}
            confirm="Rotate"
            onClose={() => setRotating(null)}
            onConfirm={() => void rotate(k())}
          />
        )}
      </Show>
      <Show when={rotated()}>
        {(secret) => (
          <Dialog label="New secret" onClose={() => setRotated(null)} testId="widget-key-dialog">
            <SecretView secret={secret()} title="New secret" onClose={() => setRotated(null)} />
          </Dialog>
        )}
      </Show>
      <Show when={revoking()}>
        {(k) => (
          <ConfirmDialog
            title="Revoke this key?"
            body={`Widgets of “${k().teamName}” on ${k().allowedOrigins.join(", ")} are cut off within a second, and the key never works again.`}
            confirm="Revoke"
            onClose={() => setRevoking(null)}
            onConfirm={() => void revoke(k())}
          />
        )}
      </Show>
    </section>
  );
}

function NewKeyDialog(props: { onClose: () => void; onCreated: () => void }) {
  const [teamName, setTeamName] = createSignal("Our team");
  const [origins, setOrigins] = createSignal("");
  const [mode, setMode] = createSignal<"perVisitor" | "session">("perVisitor");
  const [sessionId, setSessionId] = createSignal("");
  const [title, setTitle] = createSignal("Chat");
  const [aiOn, setAiOn] = createSignal(true);
  const [anonymous, setAnonymous] = createSignal(false);
  const [sessionsPerDay, setSessionsPerDay] = createSignal(200);
  const [messagesPerDay, setMessagesPerDay] = createSignal(100);
  const [tokensPerDay, setTokensPerDay] = createSignal(200_000);
  const [docSource, setDocSource] = createSignal("");
  const [shared, setShared] = createSignal<Map<string, string>>(new Map());
  const [error, setError] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const [secret, setSecret] = createSignal<string | null>(null);

  const owned = () => sessionList.list.filter((s) => s.role === "owner");
  const [sourceDocs] = createResource(docSource, async (id) => {
    if (!id) return [];
    const res = await api<{ documents: Document[] }>("GET", `/chat/${id}/documents`);
    return res.documents.filter((d) => d.status === "ready");
  });
  const toggleDoc = (doc: Document, on: boolean) => {
    const next = new Map(shared());
    if (on) next.set(doc.id, doc.filename);
    else next.delete(doc.id);
    setShared(next);
  };

  async function submit(e: SubmitEvent) {
    e.preventDefault();
    setError("");
    const allowedOrigins = origins()
      .split(/[\s,]+/)
      .map((o) => o.trim().replace(/\/$/, ""))
      .filter(Boolean);
    if (allowedOrigins.length === 0) {
      setError("Give at least one origin, like https://app.example.com");
      return;
    }
    const body: CreateWidgetKeyBody = {
      teamName: teamName(),
      allowedOrigins,
      allowAnonymous: anonymous(),
      caps: {
        sessionsPerDay: sessionsPerDay(),
        messagesPerVisitorPerDay: messagesPerDay(),
        aiTokensPerDay: tokensPerDay(),
      },
    };
    if (mode() === "session") {
      if (!sessionId()) {
        setError("Choose the session visitors join");
        return;
      }
      body.sessionId = sessionId();
    } else {
      body.template = {
        title: title(),
        aiMode: aiOn() ? "every" : "off",
        documents: [...shared().keys()],
      };
    }
    setBusy(true);
    try {
      const res = await api<{ key: string; widgetKey: WidgetKey }>("POST", "/widget/keys", body);
      setSecret(res.key);
      props.onCreated();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog label="New widget key" onClose={props.onClose} testId="widget-key-dialog">
      <Show
        when={secret()}
        fallback={
          <form class="stack-form widget-key-form" onSubmit={(e) => void submit(e)}>
            <h2>New widget key</h2>
            <label class="field">
              Team name (visitors see “Alice from …”)
              <input
                class="input"
                value={teamName()}
                maxLength={60}
                data-testid="widget-key-team"
                onInput={(e) => setTeamName(e.currentTarget.value)}
              />
            </label>
            <label class="field">
              Allowed origins, one per line (exact; no wildcards, no path)
              <textarea
                class="input"
                rows={3}
                placeholder="https://app.example.com"
                data-testid="widget-key-origins"
                aria-invalid={error() ? "true" : undefined}
                value={origins()}
                onInput={(e) => {
                  setOrigins(e.currentTarget.value);
                  setError("");
                }}
              />
            </label>
            <fieldset class="field widget-key-mode">
              <legend>Visitors chat in</legend>
              <label>
                <input
                  type="radio"
                  name="mode"
                  checked={mode() === "perVisitor"}
                  onChange={() => setMode("perVisitor")}
                />{" "}
                a new session each
              </label>
              <label>
                <input
                  type="radio"
                  name="mode"
                  checked={mode() === "session"}
                  data-testid="widget-key-mode-session"
                  onChange={() => setMode("session")}
                />{" "}
                one session of mine
              </label>
            </fieldset>
            <Show
              when={mode() === "perVisitor"}
              fallback={
                <label class="field">
                  Session
                  <select
                    class="select"
                    value={sessionId()}
                    data-testid="widget-key-session"
                    onChange={(e) => setSessionId(e.currentTarget.value)}
                  >
                    <option value="">Choose…</option>
                    <For each={owned()}>{(s) => <option value={s.id}>{s.title}</option>}</For>
                  </select>
                </label>
              }
            >
              <label class="field">
                Session title
                <input
                  class="input"
                  value={title()}
                  maxLength={120}
                  onInput={(e) => setTitle(e.currentTarget.value)}
                />
              </label>
              <label class="check-row">
                <input
                  type="checkbox"
                  checked={aiOn()}
                  data-testid="widget-key-ai"
                  onChange={(e) => setAiOn(e.currentTarget.checked)}
                />{" "}
                The AI answers visitors (off: only your team does)
              </label>
              <label class="field">
                Documents to share, from
                <select
                  class="select"
                  value={docSource()}
                  data-testid="widget-key-doc-source"
                  onChange={(e) => setDocSource(e.currentTarget.value)}
                >
                  <option value="">Choose a session…</option>
                  <For each={sessionList.list}>
                    {(s) => <option value={s.id}>{s.title}</option>}
                  </For>
                </select>
              </label>
              <Show when={sourceDocs()?.length === 0 && docSource()}>
                <p class="muted small">No indexed documents in that session.</p>
              </Show>
              <div class="widget-key-docs">
                <For each={sourceDocs()}>
                  {(d) => (
                    <label class="check-row">
                      <input
                        type="checkbox"
                        checked={shared().has(d.id)}
                        data-testid="widget-key-doc"
                        onChange={(e) => toggleDoc(d, e.currentTarget.checked)}
                      />{" "}
                      {d.filename}
                    </label>
                  )}
                </For>
              </div>
              <Show when={shared().size}>
                <p class="muted small" data-testid="widget-key-doc-count">
                  Sharing {[...shared().values()].join(", ")}
                </p>
              </Show>
            </Show>
            <label class="check-row">
              <input
                type="checkbox"
                checked={anonymous()}
                onChange={(e) => setAnonymous(e.currentTarget.checked)}
              />{" "}
              Allow anonymous visitors
            </label>
            <fieldset class="field widget-key-caps">
              <legend>Daily caps (0 = unlimited)</legend>
              <label>
                Sessions
                <input
                  class="input"
                  type="number"
                  min="0"
                  value={sessionsPerDay()}
                  onInput={(e) => setSessionsPerDay(e.currentTarget.valueAsNumber || 0)}
                />
              </label>
              <label>
                Messages per visitor
                <input
                  class="input"
                  type="number"
                  min="0"
                  value={messagesPerDay()}
                  onInput={(e) => setMessagesPerDay(e.currentTarget.valueAsNumber || 0)}
                />
              </label>
              <label>
                AI tokens
                <input
                  class="input"
                  type="number"
                  min="0"
                  value={tokensPerDay()}
                  onInput={(e) => setTokensPerDay(e.currentTarget.valueAsNumber || 0)}
                />
              </label>
            </fieldset>
            <Show when={error()}>
              <p class="error-text" role="alert" data-testid="widget-key-error">
                {error()}
              </p>
            </Show>
            <div class="dialog-actions">
              <button class="btn" type="button" onClick={props.onClose}>
                Cancel
              </button>
              <button
                class="btn btn-primary"
                type="submit"
                disabled={busy()}
                data-testid="widget-key-create"
              >
                Create key
              </button>
            </div>
          </form>
        }
      >
        {(key) => <SecretView secret={key()} onClose={props.onClose} />}
      </Show>
    </Dialog>
  );
}

/** A key's secret, shown once (created or rotated), with the backend's curl line and the tag. */
function SecretView(props: { secret: string; title?: string; onClose: () => void }) {
  return (
    <div class="stack-form widget-key-created" data-testid="widget-key-created">
      <h2>{props.title ?? "Key created"}</h2>
      <p class="muted">
        Keep the key in your backend: it is shown this once, and a page must never hold it. Your
        backend trades it for a visitor's token:
      </p>
      <pre class="widget-snippet" data-testid="widget-key-secret">
        {tokenCurl(props.secret)}
      </pre>
      <button class="btn btn-sm" type="button" onClick={() => void copy(props.secret, "Key")}>
        Copy key
      </button>
      <p class="muted">Then add this to your pages:</p>
      <pre class="widget-snippet">{embedSnippet()}</pre>
      <button class="btn btn-sm" type="button" onClick={() => void copy(embedSnippet(), "Snippet")}>
        Copy snippet
      </button>
      <div class="dialog-actions">
        <button class="btn btn-primary" type="button" onClick={props.onClose}>
          Done
        </button>
      </div>
    </div>
  );
}
