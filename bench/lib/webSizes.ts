import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

/** The built web app (`npm run build -w web`). */
export const WEB_DIST = resolve(import.meta.dirname, "../../web/dist");

interface ManifestChunk {
  file: string;
  imports?: string[];
  dynamicImports?: string[];
}

export interface FileSize {
  file: string;
  raw: number;
  gzip: number;
}

export function fileSize(file: string): FileSize {
  const bytes = readFileSync(join(WEB_DIST, file));
  return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

export const sum = (list: FileSize[]) => ({
  raw: list.reduce((n, f) => n + f.raw, 0),
  gzip: list.reduce((n, f) => n + f.gzip, 0),
});

/**
 * An entry's JS from Vite's manifest: `initial` (the entry and its static imports,
 * fetched before the first render) and `lazy` (its dynamic imports and theirs).
 */
export function entryJs(entry: string): { initial: FileSize[]; lazy: FileSize[] } {
  const manifest = JSON.parse(
    readFileSync(join(WEB_DIST, ".vite/manifest.json"), "utf8"),
  ) as Record<string, ManifestChunk>;
  const initial = new Set<string>();
  const dynamic: string[] = [];
  const visit = (key: string) => {
    const chunk = manifest[key];
    if (!chunk || initial.has(chunk.file)) return;
    initial.add(chunk.file);
    for (const dep of chunk.imports ?? []) visit(dep);
    dynamic.push(...(chunk.dynamicImports ?? []));
  };
  visit(entry);
  const lazy = new Set<string>();
  const visitLazy = (key: string) => {
    const chunk = manifest[key];
    if (!chunk || initial.has(chunk.file) || lazy.has(chunk.file)) return;
    lazy.add(chunk.file);
    for (const dep of [...(chunk.imports ?? []), ...(chunk.dynamicImports ?? [])]) visitLazy(dep);
  };
  for (const key of dynamic) visitLazy(key);
  return { initial: [...initial].map(fileSize), lazy: [...lazy].map(fileSize) };
}

/**
 * The widget's sizes: the loader (`widget.js`, budget 5 kB gzip) and the embed page's
 * JS (budget 60 kB gzip for all it loads to show a conversation: its initial JS and the
 * Markdown chunk it loads right after the first paint). highlight.js, loaded only once
 * a code block appears, is outside the budget.
 */
export const WIDGET_BUDGETS = { loaderGzip: 5 * 1024, embedGzip: 60 * 1024 };

export function widgetSizes() {
  const loader = fileSize("widget.js");
  const embed = entryJs("embed.html");
  const afterPaint = embed.lazy.filter((f) => !f.file.includes("highlight"));
  return {
    loader,
    embedInitial: { ...sum(embed.initial), files: embed.initial },
    embedWithMarkdown: sum([...embed.initial, ...afterPaint]),
    embedLazy: embed.lazy,
  };
}
