import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const DIST = resolve(import.meta.dirname, "../../web/dist");

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}

/**
 * The initial JS budget, checked on every `npm test` (the numbers themselves are
 * reported by bench/webBundle.bench.ts): a static import of a heavy module (Yjs,
 * highlight.js) would silently move it into the entry; this catches that.
 */
describe("web bundle", () => {
  const manifest = JSON.parse(readFileSync(join(DIST, ".vite/manifest.json"), "utf8")) as Record<
    string,
    ManifestChunk
  >;
  const initial = new Set<string>();
  const visit = (key: string) => {
    const chunk = manifest[key];
    if (!chunk || initial.has(chunk.file)) return;
    initial.add(chunk.file);
    for (const dep of chunk.imports ?? []) visit(dep);
  };
  // The app's entry; the widget's embed page has its own budget (widgetSize.test.ts).
  visit("index.html");

  it("keeps the chat page's initial JS under 100 kB gzip", () => {
    const gzip = [...initial].reduce(
      (n, f) => n + gzipSync(readFileSync(join(DIST, f)), { level: 9 }).length,
      0,
    );
    expect(gzip).toBeGreaterThan(10_000);
    expect(gzip).toBeLessThan(100 * 1024);
  });

  it("keeps the admin area (and uPlot) out of the chat page", () => {
    const lazy = Object.values(manifest)
      .filter((c) => !initial.has(c.file))
      .map((c) => c.file);
    expect(lazy.some((f) => f.includes("AdminPage"))).toBe(true);
    const entry = [...initial].map((f) => readFileSync(join(DIST, f), "utf8")).join("");
    expect(entry).not.toContain("u-legend"); // uPlot's own class names
  });

  it("loads Yjs and highlight.js lazily", () => {
    const lazy = Object.values(manifest)
      .filter((c) => !initial.has(c.file))
      .map((c) => c.file);
    expect(lazy.some((f) => f.includes("collab"))).toBe(true);
    expect(lazy.some((f) => f.includes("highlight"))).toBe(true);
    const entry = [...initial].map((f) => readFileSync(join(DIST, f), "utf8")).join("");
    // Markers of the libraries' own code, absent from the entry when they are lazy.
    expect(entry).not.toContain("registerLanguage(");
    expect(entry).not.toContain("Unexpected case");
  });
});
