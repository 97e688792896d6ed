/**
 * The production drills as a soak: the layout of test/production (Debian's nginx with
 * the project's template, two realtime nodes and two workers as processes, Postgres via
 * a TCP proxy, a private AOF Redis) put through every fault drill --rounds times, each
 * in a fresh session with --clients chat clients and --editors Yjs co-editors, and a
 * longer rolling restart. Prints each drill's recovery time (min / median / max) and
 * whether anything was lost; writes bench/results/drills.json.
 *
 *   npm run bench -- drills   or   npx tsx bench/drills.bench.ts [--rounds=3] [--clients=6] [--editors=3]
 */
import { type DrillUser, nothingLost, openWorld } from "../test/support/drillChecks";
import {
  nodeKillDrill,
  postgresRestartDrill,
  redisRestartDrill,
  rollingRestartDrill,
  workerKillDrill,
} from "../test/support/drills";
import { startProductionStack } from "../test/support/productionStack";
import { ensureServices } from "../test/support/services";
import { parseArgs } from "./lib/fixtures";
import { writeResult } from "./lib/results";
import { printTable } from "./lib/stats";

const args = parseArgs();
const rounds = Number(args.rounds ?? 3);
const clientCount = Number(args.clients ?? 6);
const editorCount = Number(args.editors ?? 3);

await ensureServices();
const stack = await startProductionStack();
const users: DrillUser[] = [];
for (let i = 0; i < clientCount; i++) {
  const username = `soak${i}`;
  users.push({ username, token: (await stack.api.register(username)).token });
}

type Drill = (w: Awaited<ReturnType<typeof openWorld>>) => Promise<number>;
const drills: [string, Drill][] = [
  ["kill -9 realtime node", (w) => nodeKillDrill(stack, w)],
  ["kill -9 worker", (w) => workerKillDrill(stack, w)],
  ["Redis restart", (w) => redisRestartDrill(stack, w)],
  ["Postgres restart (2 s outage)", (w) => postgresRestartDrill(stack, w, 2000)],
  [
    "rolling restart, steady load",
    async (w) => {
      const rolled = await rollingRestartDrill(stack, w);
      console.log(`rolling restart steps: ${JSON.stringify(rolled.steps)}`);
      return rolled.stepMaxMs;
    },
  ],
];
const samples = new Map<string, number[]>(drills.map(([name]) => [name, []]));
const problems: string[] = [];
try {
  for (let round = 1; round <= rounds; round++) {
    for (const [name, drill] of drills) {
      const w = await openWorld(stack, users, { title: `${name} ${round}`, editors: editorCount });
      try {
        samples.get(name)!.push(await drill(w));
        for (const p of await nothingLost(stack, w, { timeoutMs: 30_000 }))
          problems.push(`${name} #${round}: ${p}`);
      } catch (err) {
        problems.push(`${name} #${round}: ${(err as Error).message}`);
      } finally {
        w.close();
      }
      console.log(`round ${round}: ${name} done`);
    }
  }
} finally {
  await stack.close();
}

const rows = drills.map(([name]) => {
  const s = [...samples.get(name)!].sort((a, b) => a - b);
  return {
    drill: name,
    runs: s.length,
    "min ms": s[0] ?? "-",
    "median ms": s[Math.floor(s.length / 2)] ?? "-",
    "max ms": s[s.length - 1] ?? "-",
  };
});
printTable(
  `Fault drills through nginx, ${rounds} rounds, ${clientCount} clients, ${editorCount} editors (recovery: fault → layout works again; rolling: slowest restart step)`,
  rows,
);
console.log(
  problems.length ? `LOST / FAILED:\n${problems.join("\n")}` : "nothing lost in any drill",
);
writeResult("drills", { rounds, clients: clientCount, editors: editorCount, rows, problems });
process.exit(problems.length ? 1 : 0);
