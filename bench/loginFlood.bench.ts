/**
 * Login flood (issue 11, finding 1): 200 parallel bad logins with made-up names from
 * one IP while a bystander reads `GET /chat/`. Embedded mode (SQLite shares Node's
 * thread pool with scrypt), real hashing cost. Three phases:
 *
 * - calm: the bystander alone;
 * - flood: the defaults (per-IP limit before hashing, bounded hashing queue);
 * - flood, IP limit off: every attempt hashes, only the queue protects the bystander.
 *
 * Pass: the bystander's p99 under the default flood within 2× its calm p99.
 * `--attempts=200 --reads=300`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startProcessNode } from "../test/support/processNode";
import { parseArgs } from "./lib/fixtures";
import { writeResult } from "./lib/results";
import { printTable, summarize } from "./lib/stats";

const args = parseArgs();
const ATTEMPTS = Number(args.attempts ?? 200);
const READS = Number(args.reads ?? 300);

async function phase(name: string, env: Record<string, string>, flood: boolean) {
  const dataDir = mkdtempSync(join(tmpdir(), "engunity-flood-"));
  const node = await startProcessNode({
    ROLE: "all",
    DATA_DIR: dataDir,
    PASSWORD_HASH_COST: "15",
    ...env,
  });
  try {
    const api = `${node.url}/api/v1`;
    const reg = await fetch(`${api}/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        username: "bystander",
        email: "b@bench.test",
        password: "correct horse battery",
      }),
    }).then((r) => r.json());
    const token = reg.accessToken as string;
    for (let i = 0; i < 3; i++)
      await fetch(`${api}/chat/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: "{}",
      });
    const statuses = new Map<number, number>();
    const floodDone = flood
      ? Promise.all(
          Array.from({ length: ATTEMPTS }, (_, i) =>
            fetch(`${api}/auth/login`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ login: `nobody${i}`, password: "not the password at all" }),
            }).then((r) => statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)),
          ),
        )
      : Promise.resolve([]);
    const samples: number[] = [];
    for (let i = 0; i < READS; i++) {
      const t = performance.now();
      const res = await fetch(`${api}/chat/`, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      samples.push(performance.now() - t);
    }
    await floodDone;
    return { name, bystander: summarize(samples), logins: Object.fromEntries(statuses) };
  } finally {
    await node.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const calm = await phase("calm", {}, false);
// The test defaults of processNode lift the IP limit; put the shipped default back.
const flood = await phase("flood (defaults)", { LOGIN_IP_RATE_PER_MINUTE: "20" }, true);
const noIpLimit = await phase("flood (IP limit off)", { LOGIN_IP_RATE_PER_MINUTE: "100000" }, true);
const rows = [calm, flood, noIpLimit].map((p) => ({
  phase: p.name,
  "p50 ms": p.bystander.p50,
  "p99 ms": p.bystander.p99,
  "max ms": p.bystander.max,
  "× calm p99": (p.bystander.p99 / calm.bystander.p99).toFixed(2),
  logins: Object.entries(p.logins)
    .map(([s, n]) => `${n}×${s}`)
    .join(" "),
}));
printTable(`Bystander GET /chat/ during ${ATTEMPTS} parallel bad logins from one IP`, rows);
const ratio = flood.bystander.p99 / calm.bystander.p99;
console.log(
  `\npass (default flood p99 ≤ 2× calm p99): ${ratio <= 2 ? "yes" : "NO"} (${ratio.toFixed(2)}×)`,
);
console.log(
  `wrote ${writeResult("loginFlood", { attempts: ATTEMPTS, reads: READS, calm, flood, noIpLimit })}`,
);
