import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WEB_DIST, WIDGET_BUDGETS, widgetSizes } from "../../bench/lib/webSizes";

/** The widget's budgets on every `npm test` (bench/widgetSize.bench.ts reports the numbers). */
describe("widget sizes", () => {
  const sizes = widgetSizes();

  it("keeps the loader under 5 kB gzip, a classic script with no imports", () => {
    expect(sizes.loader.gzip).toBeGreaterThan(500);
    expect(sizes.loader.gzip).toBeLessThanOrEqual(WIDGET_BUDGETS.loaderGzip);
    const code = readFileSync(join(WEB_DIST, "widget.js"), "utf8");
    expect(code).not.toMatch(/^\s*import[\s{]|^\s*export\s/m);
  });

  it("keeps the embed page's JS with Markdown under 60 kB gzip, without Yjs or highlight.js", () => {
    expect(sizes.embedInitial.gzip).toBeGreaterThan(10_000);
    // Markdown is counted: the panel loads it right after its first paint.
    expect(sizes.embedLazy.some((f) => f.file.includes("markdown"))).toBe(true);
    expect(sizes.embedWithMarkdown.gzip).toBeGreaterThan(sizes.embedInitial.gzip + 5_000);
    expect(sizes.embedWithMarkdown.gzip).toBeLessThanOrEqual(WIDGET_BUDGETS.embedGzip);
    const files = sizes.embedInitial.files.map((f) => f.file).join(" ");
    expect(files).not.toMatch(/collab|highlight/);
  });
});
