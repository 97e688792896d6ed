import { For } from "solid-js";

/** A search snippet with its matched words in <mark>; text only, never markup. */
export function Snippet(props: { text: string; highlights: [number, number][] }) {
  const parts = () => {
    const out: { text: string; mark: boolean }[] = [];
    let at = 0;
    for (const [start, end] of props.highlights) {
      if (start < at || end > props.text.length) continue;
      if (start > at) out.push({ text: props.text.slice(at, start), mark: false });
      out.push({ text: props.text.slice(start, end), mark: true });
      at = end;
    }
    if (at < props.text.length) out.push({ text: props.text.slice(at), mark: false });
    return out;
  };
  return (
    <span class="snippet" data-testid="snippet">
      <For each={parts()}>{(p) => (p.mark ? <mark>{p.text}</mark> : p.text)}</For>
    </span>
  );
}
