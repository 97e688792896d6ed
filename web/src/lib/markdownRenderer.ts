import { createSignal } from "solid-js";

/**
 * The Markdown renderer (marked + an allowlist sanitiser), provided by the entry: the app imports
 * it up front; the embed loads it right after its first paint so the panel's initial
 * JS stays small. Until then messages show as plain text.
 */
type Render = (source: string) => string;
const [renderer, setRenderer] = createSignal<Render | null>(null);

export const markdownRenderer = renderer;

export function provideMarkdown(render: Render): void {
  setRenderer(() => render);
}
