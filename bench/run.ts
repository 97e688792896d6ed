/**
 * `npm run bench`: runs every `bench/*.bench.ts` in turn, each in a process of its own
 * so one bench's sockets and timers cannot skew the next. Exits non-zero if any failed.
 * `npm run bench -- socketFanout` runs only the benches whose name contains a word given.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const BENCH_DIR = resolve(import.meta.dirname);
const filters = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith("--"));
const benches = readdirSync(BENCH_DIR)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => !filters.length || filters.some((word) => f.includes(word)))
  .sort();

if (!benches.length) {
  console.error("no bench/*.bench.ts matched");
  process.exit(1);
}
const failed: string[] = [];
for (const bench of benches) {
  console.log(`\n=== ${bench} ===`);
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", join(BENCH_DIR, bench), ...passThrough],
    {
      stdio: "inherit",
      cwd: resolve(BENCH_DIR, ".."),
    },
  );
  console.log(
    `=== ${bench}: ${run.status === 0 ? "done" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s ===`,
  );
  if (run.status !== 0) failed.push(bench);
}
if (failed.length) {
  console.error(`\nfailed: ${failed.join(", ")}`);
  process.exit(1);
}
