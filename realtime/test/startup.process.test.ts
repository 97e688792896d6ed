import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { apiClient } from "../../test/support/api";
import { createTestDatabase } from "../../test/support/postgres";
import { startProcessNode } from "../../test/support/processNode";

const ROOT = resolve(import.meta.dirname, "../..");

/** Runs the entry point or a script the way a person would, and returns how it ended. */
function run(script: string, env: Record<string, string>) {
  const out = spawnSync(process.execPath, ["--import", "tsx", script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

/** The whole app as `npm start` runs it: one process, state on disk or in Postgres. */
describe("start-up as a process", () => {
  const dirs: string[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function writeAndReadBack(env: Record<string, string>) {
    const first = await startProcessNode({ ROLE: "all", ...env });
    const api = apiClient(first.url);
    const { token } = await api.register("persist");
    const session = (await api.post("/chat/sessions", { title: "Survives" }, token)).body;
    const sent = await api.post(
      "/chat/",
      { sessionId: session.id, content: "still here?", ai: false },
      token,
    );
    expect(sent.status).toBe(200);
    // ROLE=all runs retrieval here: /health names its vector index (FAISS where npm
    // install built faiss-node, else the exact fallback; FaissIndex.test.ts pins which).
    expect(["faiss", "exact"]).toContain((await api.get("/health")).body.index);
    await first.stop();
    expect(first.child.exitCode).toBe(0);

    const second = await startProcessNode({ ROLE: "all", ...env });
    cleanups.push(() => second.stop());
    const again = apiClient(second.url);
    // The old token still works: the secret was kept, not regenerated.
    expect((await again.get("/auth/me", token)).status).toBe(200);
    const login = await again.post("/auth/login", {
      login: "persist",
      password: "correct horse battery",
    });
    expect(login.status).toBe(200);
    const history = await again.get(`/chat/${session.id}`, login.body.accessToken);
    expect(history.body.session.title).toBe("Survives");
    expect(history.body.messages.map((m: { content: string }) => m.content)).toEqual([
      "still here?",
    ]);
  }

  it("keeps data across a restart in embedded mode (SQLite under DATA_DIR, generated secret)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "engunity-embedded-"));
    dirs.push(dataDir);
    await writeAndReadBack({ DATA_DIR: dataDir });
  });

  it("runs on Postgres after `npm run db:migrate`", async () => {
    const database = await createTestDatabase();
    cleanups.push(database.drop);
    const env = { DATABASE_URL: database.url, SECRET_KEY: randomBytes(32).toString("hex") };
    const migrated = run("scripts/migrate.ts", env);
    expect(migrated.status, migrated.stderr).toBe(0);
    expect(migrated.stdout).toMatch(/Applied: 001_initial/);
    expect(run("scripts/migrate.ts", env).stdout).toMatch(/up to date/);
    const dataDir = mkdtempSync(join(tmpdir(), "engunity-pg-"));
    dirs.push(dataDir);
    await writeAndReadBack({ ...env, DATA_DIR: dataDir });
  });

  it.each([
    [{ PORT: "not-a-port" }, /PORT/],
    [{ DATABASE_URL: "postgres://u@127.0.0.1:1/x" }, /SECRET_KEY/],
    [{ ROLE: "worker" }, /REDIS_URL/],
  ])("stops with one clear line for bad configuration %o", (env, pattern) => {
    const out = run("bin/engunity.ts", {
      DATA_DIR: mkdtempSync(join(tmpdir(), "engunity-bad-")),
      ...env,
    });
    expect(out.status).toBe(1);
    const lines = out.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  });
});
