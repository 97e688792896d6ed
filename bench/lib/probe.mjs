// Loaded into a measured server with `--import` (see probe.ts): on SIGUSR2 it prints one
// JSON line {"msg":"probe",…} with its heap, RSS, CPU time used and the event-loop delay
// since the last probe; with BENCH_PROBE_GC=1 it forces a full GC first. The same probe
// goes into Engunity's processes and the floor's, so both are read the same way.
// With BENCH_PROBE_SNAPSHOT=<dir> each probe also writes a heap snapshot there (after the
// GC) and names it in the line as `snapshot`; bench/lib/heapSummary.mjs diffs two.
// Plain JavaScript: it loads before tsx is registered.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setFlagsFromString, writeHeapSnapshot } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const forceGc = process.env.BENCH_PROBE_GC === "1";
const snapshotDir = process.env.BENCH_PROBE_SNAPSHOT;
let probes = 0;

process.on("SIGUSR2", () => {
  if (forceGc) {
    gc();
    gc();
  }
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  probes += 1;
  const snapshot = snapshotDir
    ? writeHeapSnapshot(`${snapshotDir}/heap-${process.pid}-${probes}.heapsnapshot`)
    : undefined;
  process.stdout.write(
    `${JSON.stringify({
      msg: "probe",
      pid: process.pid,
      heapUsed: mem.heapUsed,
      rss: mem.rss,
      cpuMs: (cpu.user + cpu.system) / 1000,
      lagP99Ms: lag.percentile(99) / 1e6,
      lagMaxMs: lag.max / 1e6,
      snapshot,
    })}\n`,
  );
  lag.reset();
});
