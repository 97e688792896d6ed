import { useNavigate } from "@solidjs/router";
import { createMemo, createSignal, For, onCleanup, Show } from "solid-js";
import { titleOf } from "../lib/format";
import { sessionList } from "../lib/sessions";
import { Dialog } from "./Dialog";

const KEYS: [string, string][] = [
  ["Ctrl/⌘ K", "Switch to another session"],
  ["/", "Search sessions and messages"],
  ["Enter", "Send the message"],
  ["Shift Enter", "New line in the message"],
  ["↑ (empty box)", "Edit your last message and resend it"],
  ["Esc (editing)", "Cancel the edit"],
  ["Esc", "Stop your answer while it streams"],
  ["?", "Show these shortcuts"],
];

const typingIn = (el: Element | null) =>
  !!el &&
  (el.matches("input, textarea, select, [contenteditable=true]") || !!el.closest("[role=dialog]"));

/** The keyboard shortcuts (listed behind `?`) and the Ctrl/⌘+K session switcher. */
export function Shortcuts() {
  const navigate = useNavigate();
  const [help, setHelp] = createSignal(false);
  const [switcher, setSwitcher] = createSignal(false);
  const onKey = (e: KeyboardEvent) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
      e.preventDefault();
      setHelp(false);
      setSwitcher(true);
      return;
    }
    if (typingIn(document.activeElement) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "?") {
      e.preventDefault();
      setHelp(true);
    } else if (e.key === "/") {
      e.preventDefault();
      document.querySelector<HTMLInputElement>("[data-testid=session-search]")?.focus();
    }
  };
  document.addEventListener("keydown", onKey);
  onCleanup(() => document.removeEventListener("keydown", onKey));

  return (
    <>
      <Show when={help()}>
        <Dialog label="Keyboard shortcuts" onClose={() => setHelp(false)} testId="shortcuts">
          <h2>Keyboard shortcuts</h2>
          <dl class="shortcut-list">
            <For each={KEYS}>
              {([k, what]) => (
                <>
                  <dt>
                    <kbd>{k}</kbd>
                  </dt>
                  <dd>{what}</dd>
                </>
              )}
            </For>
          </dl>
          <div class="dialog-actions">
            <button class="btn" type="button" onClick={() => setHelp(false)}>
              Close
            </button>
          </div>
        </Dialog>
      </Show>
      <Show when={switcher()}>
        <Switcher
          onPick={(id) => {
            setSwitcher(false);
            navigate(`/chat/${id}`);
          }}
          onClose={() => setSwitcher(false)}
        />
      </Show>
    </>
  );
}

function Switcher(props: { onPick: (id: string) => void; onClose: () => void }) {
  const [q, setQ] = createSignal("");
  const [at, setAt] = createSignal(0);
  const matches = createMemo(() => {
    const needle = q().trim().toLowerCase();
    return sessionList.list.filter((s) => titleOf(s).toLowerCase().includes(needle)).slice(0, 12);
  });
  return (
    <Dialog label="Switch session" onClose={props.onClose} testId="switcher">
      <input
        class="input"
        placeholder="Go to session…"
        aria-label="Go to session"
        aria-controls="switcher-list"
        data-testid="switcher-input"
        value={q()}
        onInput={(e) => {
          setQ(e.currentTarget.value);
          setAt(0);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") setAt((i) => Math.min(i + 1, matches().length - 1));
          else if (e.key === "ArrowUp") setAt((i) => Math.max(i - 1, 0));
          else if (e.key === "Enter") {
            const pick = matches()[at()];
            if (pick) props.onPick(pick.id);
          } else return;
          e.preventDefault();
        }}
      />
      <ul class="switcher-list" id="switcher-list" aria-label="Sessions">
        <For each={matches()} fallback={<li class="empty-list">No session matches.</li>}>
          {(s, i) => (
            <li>
              <button
                type="button"
                classList={{ selected: i() === at() }}
                aria-current={i() === at() ? "true" : undefined}
                data-testid="switcher-item"
                onClick={() => props.onPick(s.id)}
              >
                {titleOf(s)}
              </button>
            </li>
          )}
        </For>
      </ul>
    </Dialog>
  );
}
