// What a heap grew by between two V8 heap snapshots, per object: the count and self bytes
// of each (type, constructor/name) in `after` minus `before`, divided by `n` (e.g. the
// sockets held), largest first. Snapshots come from bench/lib/probe.mjs
// (BENCH_PROBE_SNAPSHOT=<dir>, e.g. `connections.bench.ts --snapshots=<dir>`).
// node bench/lib/heapSummary.mjs <before.heapsnapshot> <after.heapsnapshot> [n] [top]
import { readFileSync } from "node:fs";

const [beforeFile, afterFile, nArg = "1", topArg = "30"] = process.argv.slice(2);
const n = Number(nArg);

/** Map "type name" → [count, self bytes] over every node of a snapshot. */
function tally(file) {
  const snap = JSON.parse(readFileSync(file, "utf8"));
  const { node_fields: fields, node_types: types } = snap.snapshot.meta;
  const typeNames = types[0];
  const width = fields.length;
  const iType = fields.indexOf("type");
  const iName = fields.indexOf("name");
  const iSize = fields.indexOf("self_size");
  const { nodes, strings } = snap;
  const out = new Map();
  for (let i = 0; i < nodes.length; i += width) {
    const type = typeNames[nodes[i + iType]];
    let name = strings[nodes[i + iName]];
    // Strings and code by their type only: their names are their contents.
    if (type === "string" || type === "concatenated string" || type === "sliced string") name = "";
    if (type === "code" || type === "number" || type === "hidden") name = name.slice(0, 40);
    if (name.length > 60) name = `${name.slice(0, 57)}...`;
    const key = `${type} ${name}`;
    const row = out.get(key) ?? [0, 0];
    row[0] += 1;
    row[1] += nodes[i + iSize];
    out.set(key, row);
  }
  return out;
}

const before = tally(beforeFile);
const after = tally(afterFile);
const rows = [];
let total = 0;
for (const [key, [count, size]] of after) {
  const [c0, s0] = before.get(key) ?? [0, 0];
  rows.push([key, (count - c0) / n, (size - s0) / n]);
  total += size - s0;
}
for (const [key, [c0, s0]] of before) {
  if (!after.has(key)) {
    rows.push([key, -c0 / n, -s0 / n]);
    total -= s0;
  }
}
rows.sort((a, b) => Math.abs(b[2]) - Math.abs(a[2]));
console.log(`self bytes grown per unit (n = ${n}): ${(total / n).toFixed(0)} B`);
console.log("   bytes   count  type name");
for (const [key, count, size] of rows.slice(0, Number(topArg))) {
  console.log(`${size.toFixed(0).padStart(8)} ${count.toFixed(2).padStart(7)}  ${key}`);
}
