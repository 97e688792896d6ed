/**
 * Heap bytes per open Yjs doc, Engunity's doc registry against the reference server's
 * WSSharedDoc: D docs with a title and a 200-character draft, heap after a forced GC
 * with 2D docs open vs D (the first D are a warm-up, see `memoryPerDoc`).
 *
 *   npx tsx bench/lib/yjsMemory.ts [--docs=300] [--snapshots=<dir>]
 *
 * prints one JSON line `{ docs, engunityBytes, referenceBytes }`; with --snapshots it
 * also writes heap snapshots of Engunity's side before and after the measured D
 * (compare them with `node bench/lib/heapSummary.mjs <before> <after> <D>`).
 * yjsPropagation.bench.ts reports the same measure as its memory row.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { setFlagsFromString, writeHeapSnapshot } from "node:v8";
import { runInNewContext } from "node:vm";
import { createTestStack } from "../../test/support/node";
import { ensureServices } from "../../test/support/services";
import { waitFor } from "../../test/support/sockets";
import { parseArgs } from "./fixtures";
import { referenceUtils } from "./yjsReference";

const DRAFT = "Let us ask the AI to compare the three vendors on price, support and the API. "
  .repeat(3)
  .slice(0, 200);

/** Heap in use after a forced GC (V8 hands out `gc` at run time). */
function heapAfterGc(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** The reference server's heap bytes per open doc (run as YJS_BENCH_ROLE=reference-memory). */
function referenceMemoryPerDoc(): void {
  const docs = Number(process.env.YJS_BENCH_DOCS ?? 300);
  const utils = referenceUtils();
  const open = (from: number): void => {
    for (let i = from; i < from + docs; i++) {
      const doc = utils.getYDoc(`mem-${i}`);
      doc.getText("title").insert(0, `Doc ${i}`);
      doc.getText("draft").insert(0, DRAFT);
    }
  };
  open(0); // warm-up: see memoryPerDoc
  const before = heapAfterGc();
  open(docs);
  console.log(String((heapAfterGc() - before) / docs));
}

/**
 * Heap bytes per open doc on both sides. With `snapshotDir`, Engunity's heap
 * snapshots before and after the measured docs are written there.
 */
export async function memoryPerDoc(
  docs: number,
  snapshotDir?: string,
): Promise<{ engunityBytes: number; referenceBytes: number }> {
  // In a process of its own: the reference loads Yjs's CommonJS build, a second copy
  // of Yjs that must not share a heap with the measured ESM one.
  const child = spawnSync(process.execPath, ["--import", "tsx", import.meta.filename], {
    env: { ...process.env, YJS_BENCH_ROLE: "reference-memory", YJS_BENCH_DOCS: String(docs) },
    encoding: "utf8",
  });
  const referenceBytes = Number(child.stdout.trim().split("\n").at(-1));
  if (!Number.isFinite(referenceBytes)) throw new Error(`reference memory: ${child.stderr}`);

  const stack = await createTestStack("postgres", { redis: true });
  try {
    const node = await stack.startNode();
    const db = node.ctx.db;
    const owner = await db.models.User.create({
      username: "memowner",
      email: "mem@bench.test",
      hashedPassword: "unusable",
      fullName: "Mem",
    });
    const sessions = await db.models.ChatSession.bulkCreate(
      Array.from({ length: 2 * docs }, (_, i) => ({
        userId: owner.id,
        title: `Doc ${i}`,
        settings: {},
      })),
    );
    const held: Awaited<ReturnType<typeof node.yjs.registry.acquire>>[] = [];
    const open = async (batch: typeof sessions): Promise<void> => {
      for (const s of batch) {
        const shared = await node.yjs.registry.acquire(`session:${s.id}`);
        shared.replaceText("draft", DRAFT);
        held.push(shared);
      }
      // Idle docs, as they are once quiet: the updates stored and the title mirror's
      // debounced write (the seeded title schedules one) done, not still in flight.
      for (const shared of held) {
        await shared.persister.flush();
        await shared.title.flush();
      }
    };
    // Both sides open D docs first and measure the next D: what the first docs cost
    // once (compiled and optimised code, feedback, Sequelize's and pg's first-query
    // state, Yjs's lazily made structures) is not per-doc memory, and it weighed far
    // more on this side, whose load path runs much more code than a bare `getYDoc`.
    await open(sessions.slice(0, docs));
    const before = heapAfterGc();
    if (snapshotDir) writeHeapSnapshot(join(snapshotDir, "yjs-before.heapsnapshot"));
    await open(sessions.slice(docs));
    const engunityBytes = (heapAfterGc() - before) / docs;
    if (snapshotDir) writeHeapSnapshot(join(snapshotDir, "yjs-after.heapsnapshot"));
    for (const shared of held) node.yjs.registry.release(shared);
    await waitFor(() => node.yjs.registry.size === 0, "docs unloaded", 60_000);
    return { engunityBytes, referenceBytes };
  } finally {
    await stack.close();
  }
}

if (process.env.YJS_BENCH_ROLE === "reference-memory") {
  referenceMemoryPerDoc();
  process.exit(0);
} else if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  const args = parseArgs();
  const docs = Number(args.docs ?? 300);
  ensureServices()
    .then(() => memoryPerDoc(docs, args.snapshots))
    .then(
      (m) => {
        console.log(JSON.stringify({ docs, ...m }));
        process.exit(0);
      },
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
}
