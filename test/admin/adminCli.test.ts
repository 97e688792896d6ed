import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../support/api";
import { createTestStack, type TestStack } from "../support/node";

const ROOT = resolve(import.meta.dirname, "../..");

/** `npm run admin -- …` against the database a running node uses (SQLite in DATA_DIR). */
describe("admin CLI", () => {
  let stack: TestStack;
  let api: ApiClient;
  let alice: { user: { id: string }; token: string };
  const cli = (...args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "scripts/admin.ts", ...args],
        { cwd: ROOT, env: { ...process.env, ...stack.env, LOG_LEVEL: "silent" } },
        (err, stdout, stderr) => done({ status: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    stack = await createTestStack("sqlite", { worker: false });
    api = apiClient((await stack.startNode()).url);
    await api.register("first");
    alice = await api.register("alice");
  });
  afterAll(() => stack?.close());

  it("promotes and demotes by username, never the last admin", { timeout: 90_000 }, async () => {
    expect((await api.get("/admin/users", alice.token)).status).toBe(404);
    const up = await cli("promote", "ALICE");
    expect(up.status, up.stderr).toBe(0);
    expect(up.stdout).toContain("alice is now an admin");
    expect((await api.get("/admin/users", alice.token)).status).toBe(200);
    expect((await cli("list")).stdout).toBe("first\nalice\n");
    expect((await cli("demote", "first")).status).toBe(0);
    const last = await cli("demote", "alice");
    expect(last.status).toBe(1);
    expect(last.stderr).toContain("last active admin");
  });
});
