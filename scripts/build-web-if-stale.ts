/**
 * `npm start` runs this first: builds the web app when web/dist is missing or older
 * than its sources, so `npm install && npm start` serves the real app, and a restart
 * with nothing changed costs a few milliseconds.
 */
import { execSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const built = join(root, "web/dist/index.html");
const sources = ["web/src", "web/public", "web/index.html", "web/vite.config.ts", "shared/src"];

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, entry) => Math.max(max, newest(join(path, entry))), 0);
}

const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
if (sources.some((s) => newest(join(root, s)) > builtAt)) {
  process.stdout.write("Building the web app (web/dist)…\n");
  execSync("npm run build -w web", { cwd: root, stdio: "inherit" });
}
