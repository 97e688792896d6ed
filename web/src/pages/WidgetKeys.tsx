import type { WidgetKey } from "@engunity/shared";
import { createSignal, For, Show } from "solid-js";
import { ConfirmDialog, Dialog } from "../components/Dialog";
import { toast } from "../components/Toast";
import { api, errorText } from "../lib/api";
import { shortTime } from "../lib/format";
import { isAdmin } from "../lib/me";
import { sessionList } from "../lib/sessions";
import { NewKeyDialog } from "./NewWidgetKeyDialog";
import { copy, embedSnippet, SecretView } from "./widgetKeySecret";

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
