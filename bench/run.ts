/**
 * `npm run bench`: runs the suite — every bench in SUITE, each in a process of its own
 * so one bench's sockets and timers cannot skew the next — then prints ONE table of
 * every row they reported (measure, Engunity, floor, ratio, runs, goal, met) and writes
 * it to `bench/results/<date>.json` (and `.md`).
 *
 *   npm run bench                       the suite, full sizes (the lead's quiet-box run)
 *   npm run bench -- --quick            the suite with small N, one run each (4 min on a quiet 2-core box)
 *   npm run bench -- socketFanout       the benches whose file name contains a word given
 *   npm run bench -- --all              every bench/*.bench.ts, not only the suite
 *   npm run bench -- --save-baseline    also writes the rows into bench/baseline.json (commit it)
 *   npm run bench -- --baseline=<file>  compare with another baseline file
 *
 * Where bench/baseline.json holds a measure, the table adds its previous figure and
 * this run ÷ it (lib/baseline.ts). Other `--flags` go to every bench run (`--runs=5`,
 * `--minutes=2`, …).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BASELINE_FILE, loadBaseline, saveBaseline, withPrevious } from "./lib/baseline";
import { formatSuiteTable, machineInfo, RESULTS_DIR, type ScoredRow } from "./lib/results";

/** The benches of QUALITY.md's "Load held" and issue 16's table, in the order of the table. */
const SUITE = [
  "socketFanout",
  "aiFanout",
  "joinPresence",
  "throughput",
  "connections",
  "yjsPropagation",
  "retrieval",
  "ttft",
  "loadTest",
];

const BENCH_DIR = resolve(import.meta.dirname);
const argv = process.argv.slice(2);
const filters = argv.filter((a) => !a.startsWith("--"));
/** Flags of run.ts itself, not handed to the benches. */
const OWN = /^--(all|save-baseline|baseline=.*)$/;
const passThrough = argv.filter((a) => a.startsWith("--") && !OWN.test(a));
const quick = argv.includes("--quick");
const saveAsBaseline = argv.includes("--save-baseline");
const baselineFile = argv.find((a) => a.startsWith("--baseline="))?.slice(11) ?? BASELINE_FILE;
const all = readdirSync(BENCH_DIR)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""));
const benches = filters.length
  ? all
      .filter((name) => filters.some((word) => name.includes(word)))
      .sort((a, b) => (SUITE.indexOf(a) + 1 || 99) - (SUITE.indexOf(b) + 1 || 99))
  : argv.includes("--all")
    ? all.sort()
    : SUITE.filter((name) => all.includes(name));

if (!benches.length) {
  console.error("no bench/*.bench.ts matched");
  process.exit(1);
}
const rowsDir = join(tmpdir(), `engunity-bench-${process.pid}`);
mkdirSync(rowsDir, { recursive: true });
const startedAt = new Date();
const failed: string[] = [];
const rows: ScoredRow[] = [];
const timings: Record<string, number> = {};
/** The box's load average as each bench ended: other work on it skews that bench's figures. */
const loads: Record<string, number[]> = {};
for (const bench of benches) {
  console.log(`\n=== ${bench} ===`);
  const started = Date.now();
  const rowsFile = join(rowsDir, `${bench}.json`);
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", join(BENCH_DIR, `${bench}.bench.ts`), ...passThrough],
    {
      stdio: "inherit",
      cwd: resolve(BENCH_DIR, ".."),
      env: { ...process.env, BENCH_ROWS_FILE: rowsFile },
    },
  );
  timings[bench] = Math.round((Date.now() - started) / 100) / 10;
  loads[bench] = machineInfo().loadAverage;
  console.log(`=== ${bench}: ${run.status === 0 ? "done" : "FAILED"} in ${timings[bench]} s ===`);
  if (run.status !== 0) failed.push(bench);
  try {
    rows.push(...(JSON.parse(readFileSync(rowsFile, "utf8")) as ScoredRow[]));
  } catch {
    // A bench that reports no rows (a web budget, a drill) or failed before reporting.
  }
}
rmSync(rowsDir, { recursive: true, force: true });

if (rows.length) {
  const baseline = loadBaseline(baselineFile);
  const compared = withPrevious(rows, baseline);
  const table = formatSuiteTable(compared);
  const met = rows.filter((r) => r.met === true).length;
  const goals = rows.filter((r) => r.met !== undefined).length;
  console.log(
    `\n${quick ? "QUICK " : ""}SUITE (${startedAt.toISOString()}, load average ${machineInfo().loadAverage.join(" ")}): ${met} of ${goals} goals met\n`,
  );
  console.log(table);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stem = `${startedAt.toISOString().slice(0, 10)}${quick ? "-quick" : ""}${filters.length ? `-${filters.join("-")}` : ""}`;
  const machine = machineInfo();
  writeFileSync(
    join(RESULTS_DIR, `${stem}.json`),
    `${JSON.stringify({ at: startedAt.toISOString(), quick, args: argv, machine, seconds: timings, loadAverages: loads, failed, rows: compared }, null, 2)}\n`,
  );
  writeFileSync(
    join(RESULTS_DIR, `${stem}.md`),
    `${quick ? "Quick run" : "Run"} of ${startedAt.toISOString()} on ${machine.cpus} × ${machine.cpuModel}, load average ${machine.loadAverage.join(" ")} at the end; ${met} of ${goals} goals met.\n\n${table}\n`,
  );
  console.log(`\nwrote ${join(RESULTS_DIR, `${stem}.json`)} and .md`);
  if (baseline && compared.some((r) => r.previous))
    console.log(`"previous" is ${baselineFile} (${baseline.note})`);
  if (saveAsBaseline) {
    const note = `${quick ? "quick run (small N, one run each)" : "full run"} of ${startedAt.toISOString()} on ${machine.cpus} × ${machine.cpuModel}, load average ${machine.loadAverage.join(" ")} at the end`;
    console.log(
      `wrote the baseline ${saveBaseline(rows, { at: startedAt, quick, note, file: baselineFile, loads })}`,
    );
  }
}
console.log(
  `\ntook ${Object.entries(timings)
    .map(([b, s]) => `${b} ${s} s`)
    .join(", ")}`,
);
if (failed.length) {
  console.error(`\nfailed: ${failed.join(", ")}`);
  process.exit(1);
}
