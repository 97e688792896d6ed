// Summarises a V8 .cpuprofile: busy share, top self frames and packages (bench/PROFILE.md).
// node bench/lib/profileSummary.mjs <file.cpuprofile>
import { readFileSync } from "node:fs";

const [file] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
for (const s of p.samples) self.set(s, (self.get(s) ?? 0) + 1);
const total = p.samples.length;
const idle = [...self]
  .filter(([id]) => byId.get(id).callFrame.functionName === "(idle)")
  .reduce((a, [, c]) => a + c, 0);
const busy = total - idle;
const pkgOf = (url) => {
  if (!url) return "(native)";
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  const w = /\/work\/wt\/[^/]+\/(.*)/.exec(url);
  return w ? w[1].split("/").slice(0, 2).join("/") : url;
};
const frames = new Map(),
  pkgs = new Map();
for (const [id, c] of self) {
  const f = byId.get(id).callFrame;
  if (f.functionName === "(idle)") continue;
  const key = `${f.functionName || "(anon)"} ${pkgOf(f.url)}${f.url && !f.url.includes("node_modules") ? `:${f.lineNumber + 1}` : ""}`;
  frames.set(key, (frames.get(key) ?? 0) + c);
  const pk = f.url ? pkgOf(f.url) : f.functionName;
  pkgs.set(pk, (pkgs.get(pk) ?? 0) + c);
}
const pct = (c) => `${((100 * c) / busy).toFixed(1)}%`;
console.log(`${file}: samples ${total}, busy ${((100 * busy) / total).toFixed(1)}%`);
console.log("top self frames (% of busy):");
for (const [k, c] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, 15))
  console.log(`  ${pct(c).padStart(6)}  ${k}`);
console.log("by package (% of busy):");
for (const [k, c] of [...pkgs].sort((a, b) => b[1] - a[1]).slice(0, 14))
  console.log(`  ${pct(c).padStart(6)}  ${k}`);
