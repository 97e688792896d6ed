/**
 * Initial JS of the web app's chat page, gzip: what a browser must fetch before the
 * chat can render. The app's entry is index.html (every route, `/chat/:id` included, is
 * in it); highlight.js is a lazy chunk loaded once a code block appears, reported on its
 * own. Builds the app first, reads Vite's manifest, gzips each file at level 9.
 *
 *   npm run bench -- webBundle   or   npx tsx bench/webBundle.bench.ts [--no-build]
 *
 * Fails (exit 1) above the budget: 100 kB gzip of initial JS.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { writeResult } from "./lib/results";
import { printTable } from "./lib/stats";

const BUDGET_GZIP_BYTES = 100 * 1024;
const WEB = resolve(import.meta.dirname, "../web");
const DIST = join(WEB, "dist");

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

if (!process.argv.includes("--no-build")) {
  const build = spawnSync("npm", ["run", "build", "-w", "web"], {
    stdio: "inherit",
    cwd: resolve(WEB, ".."),
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const manifest = JSON.parse(readFileSync(join(DIST, ".vite/manifest.json"), "utf8")) as Record<
  string,
  ManifestChunk
>;
const sizes = (file: string) => {
  const bytes = readFileSync(join(DIST, file));
  return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};

// The entry and everything it imports statically: loaded before the first render.
const initial = new Set<string>();
const css = new Set<string>();
const visit = (key: string) => {
  const chunk = manifest[key];
  if (!chunk || initial.has(chunk.file)) return;
  initial.add(chunk.file);
  for (const c of chunk.css ?? []) css.add(c);
  for (const dep of chunk.imports ?? []) visit(dep);
};
// The app's entry only: the widget's panel (embed.html) is measured by widgetSize.bench.ts.
visit("index.html");
const lazy = Object.values(manifest)
  .filter((c) => !initial.has(c.file) && c.file.endsWith(".js"))
  .map((c) => c.file);

const initialJs = [...initial].map(sizes);
const total = (list: { raw: number; gzip: number }[]) => ({
  raw: list.reduce((n, f) => n + f.raw, 0),
  gzip: list.reduce((n, f) => n + f.gzip, 0),
});
const js = total(initialJs);
const cssSizes = [...css].map(sizes);
const lazySizes = lazy.map(sizes);
const kb = (n: number) => (n / 1024).toFixed(1);

printTable("Web app bundle (chat page)", [
  ...initialJs.map((f) => ({
    part: "initial js",
    file: f.file,
    "raw kB": kb(f.raw),
    "gzip kB": kb(f.gzip),
  })),
  ...cssSizes.map((f) => ({
    part: "initial css",
    file: f.file,
    "raw kB": kb(f.raw),
    "gzip kB": kb(f.gzip),
  })),
  ...lazySizes.map((f) => ({
    part: "lazy js",
    file: f.file,
    "raw kB": kb(f.raw),
    "gzip kB": kb(f.gzip),
  })),
]);
console.log(
  `\ninitial JS: ${kb(js.gzip)} kB gzip (${kb(js.raw)} kB raw); budget ${kb(BUDGET_GZIP_BYTES)} kB gzip`,
);
// The admin area: its chunk and what it alone imports (uPlot is bundled into it).
const adminKey = Object.keys(manifest).find((k) => k.includes("admin/AdminPage"));
const adminFiles = new Set<string>();
const visitAdmin = (key: string) => {
  const chunk = manifest[key];
  if (!chunk || initial.has(chunk.file) || adminFiles.has(chunk.file)) return;
  adminFiles.add(chunk.file);
  for (const c of chunk.css ?? []) adminFiles.add(c);
  for (const dep of chunk.imports ?? []) visitAdmin(dep);
};
if (adminKey) visitAdmin(adminKey);
const adminSizes = [...adminFiles].map(sizes);
const admin = total(adminSizes);
console.log(`admin area (lazy, admins only): ${kb(admin.gzip)} kB gzip (${kb(admin.raw)} kB raw)`);

const file = writeResult("webBundle", {
  budgetGzipBytes: BUDGET_GZIP_BYTES,
  initialJs: { ...js, files: initialJs },
  initialCss: { ...total(cssSizes), files: cssSizes },
  lazyJs: lazySizes,
  adminChunk: { ...admin, files: adminSizes },
  withinBudget: js.gzip <= BUDGET_GZIP_BYTES,
});
console.log(`wrote ${file}`);
if (js.gzip > BUDGET_GZIP_BYTES) process.exit(1);
