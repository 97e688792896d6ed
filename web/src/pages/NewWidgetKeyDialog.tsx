import type { CreateWidgetKeyBody, Document, WidgetKey } from "@engunity/shared";
import { createResource, createSignal, For, Show } from "solid-js";
import { Dialog } from "../components/Dialog";
import { api, errorText } from "../lib/api";
import { sessionList } from "../lib/sessions";
import { SecretView } from "./widgetKeySecret";

/**
 * Creating a widget key: team name, allowed origins, one session or a session per
 * visitor (title, AI on or off, documents to share), anonymous visitors, daily caps;
 * then its secret, shown once.
 */
export function NewKeyDialog(props: { onClose: () => void; onCreated: () => void }) {
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
