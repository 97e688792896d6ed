/**
 * The embeddable widget's JS, gzip (level 9): the loader a host page includes
 * (`widget.js`) and the panel page (`/embed`) — its initial JS, and with the Markdown
 * chunk it loads right after the first paint. Builds the web app first.
 *
 *   npm run bench -- widgetSize   or   npx tsx bench/widgetSize.bench.ts [--no-build]
 *
 * Fails (exit 1) above the budgets: loader 5 kB, embed with Markdown 60 kB.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { writeResult } from "./lib/results";
import { printTable } from "./lib/stats";
import { WIDGET_BUDGETS, widgetSizes } from "./lib/webSizes";

if (!process.argv.includes("--no-build")) {
  const build = spawnSync("npm", ["run", "build", "-w", "web"], {
    stdio: "inherit",
    cwd: resolve(import.meta.dirname, ".."),
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const sizes = widgetSizes();
const kb = (n: number) => (n / 1024).toFixed(1);
printTable("Widget JS (gzip)", [
  {
    part: "loader widget.js",
    "raw kB": kb(sizes.loader.raw),
    "gzip kB": kb(sizes.loader.gzip),
    "budget kB": kb(WIDGET_BUDGETS.loaderGzip),
  },
  {
    part: "embed initial",
    "raw kB": kb(sizes.embedInitial.raw),
    "gzip kB": kb(sizes.embedInitial.gzip),
    "budget kB": "—",
  },
  {
    part: "embed + markdown (after first paint)",
    "raw kB": kb(sizes.embedWithMarkdown.raw),
    "gzip kB": kb(sizes.embedWithMarkdown.gzip),
    "budget kB": kb(WIDGET_BUDGETS.embedGzip),
  },
  ...sizes.embedLazy.map((f) => ({
    part: `lazy ${f.file}`,
    "raw kB": kb(f.raw),
    "gzip kB": kb(f.gzip),
    "budget kB": "—",
  })),
]);
const within =
  sizes.loader.gzip <= WIDGET_BUDGETS.loaderGzip &&
  sizes.embedWithMarkdown.gzip <= WIDGET_BUDGETS.embedGzip;
console.log(
  `wrote ${writeResult("widgetSize", { budgets: WIDGET_BUDGETS, ...sizes, withinBudget: within })}`,
);
if (!within) process.exit(1);
