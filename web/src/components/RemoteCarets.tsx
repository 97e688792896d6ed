import { createMemo, For } from "solid-js";
import type { Collab, Peer } from "../lib/collab";

/**
 * Other people's carets in the shared draft, drawn over the textarea: a layer with
 * the same box, font and wrapping holds the text (transparent) split at each caret,
 * so each caret lands exactly where that character is on screen.
 */
export function RemoteCarets(props: {
  collab: Collab;
  text: string;
  peers: Peer[];
  ref?: (el: HTMLDivElement) => void;
}) {
  // An empty draft shows no carets: right after its owner sent, a name label left
  // at position 0 would only say who sent last.
  const carets = createMemo(() =>
    (props.text ? props.peers : [])
      .filter((p) => p.cursor?.field === "draft")
      .map((p) => ({ peer: p, index: props.collab.resolve(p.cursor!, "head") }))
      .filter((c): c is { peer: Peer; index: number } => c.index !== null)
      .map((c) => ({ ...c, index: Math.min(c.index, props.text.length) }))
      .sort((a, b) => a.index - b.index),
  );
  const segments = createMemo(() => {
    const out: { text: string; peer?: Peer }[] = [];
    let at = 0;
    for (const c of carets()) {
      out.push({ text: props.text.slice(at, c.index) });
      out.push({ text: "", peer: c.peer });
      at = c.index;
    }
    out.push({ text: `${props.text.slice(at)}\u200b` });
    return out;
  });
  return (
    <div class="caret-layer" aria-hidden="true" ref={props.ref}>
      <For each={segments()}>
        {(s) =>
          s.peer ? (
            <span
              class="remote-caret"
              data-testid="remote-cursor"
              data-user-id={s.peer.user.id}
              style={{ "--caret": s.peer.user.color }}
            >
              <span class="remote-caret-name">{s.peer.user.name}</span>
            </span>
          ) : (
            s.text
          )
        }
      </For>
    </div>
  );
}
