import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AiRuntime,
  type Config,
  createLogger,
  loadConfig,
  openAiRuntime,
} from "@engunity/core";
import { type RealtimeNode, startRealtimeNode } from "@engunity/realtime";
import { createTestDatabase } from "./postgres";
import { REDIS_URL } from "./services";
import { startInProcessWorker } from "./worker";

export type DbKind = "sqlite" | "postgres";

/** A config for tests: port 0, a temp DATA_DIR, cheap password hashing, silent logs. */
export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  const dataDir = mkdtempSync(join(tmpdir(), "engunity-test-"));
  return loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    PASSWORD_HASH_COST: "10",
    SECRET_KEY: randomBytes(32).toString("hex"),
    MESSAGE_RATE_PER_SECOND: "1000",
    LOGIN_RATE_LIMIT: "1000",
    LOGIN_IP_RATE_PER_MINUTE: "100000",
    WRITE_RATE_PER_MINUTE: "100000",
    ...overrides,
  });
}

export interface TestStack {
  kind: DbKind;
  /** Env overrides every node of this stack shares (database, Redis, secret). */
  env: Record<string, string>;
  nodes: RealtimeNode[];
  /** Starts another node on the same database (and Redis, when the stack has one). */
  startNode(overrides?: Record<string, string>): Promise<RealtimeNode>;
  close(): Promise<void>;
}

/**
 * A database of the given kind and a way to start realtime nodes on it. With
 * `redis: true` the nodes share Redis under a prefix of their own, so test files
 * running at once never see each other's traffic.
 */
export async function createTestStack(
  kind: DbKind,
  /** `worker: false` leaves inference to the test (default: a worker beside each node, as ROLE=all). */
  opts: { redis?: boolean; worker?: boolean } = {},
): Promise<TestStack> {
  const env: Record<string, string> = {
    SECRET_KEY: randomBytes(32).toString("hex"),
    REDIS_PREFIX: `t${randomBytes(4).toString("hex")}`,
  };
  let drop = async () => {};
  const dataDir = mkdtempSync(join(tmpdir(), "engunity-stack-"));
  env.DATA_DIR = dataDir;
  if (kind === "postgres") {
    const database = await createTestDatabase();
    env.DATABASE_URL = database.url;
    drop = database.drop;
  }
  if (opts.redis) env.REDIS_URL = REDIS_URL;
  const nodes: RealtimeNode[] = [];
  // Embedded nodes of one stack (one data folder) share one in-memory AI runtime, as
  // ROLE=all's node and worker do; the last node to close closes it.
  const embeddedAi = new Map<string, { runtime: AiRuntime; users: number }>();
  return {
    kind,
    env,
    nodes,
    async startNode(overrides = {}) {
      const config = testConfig({ ...env, ...overrides });
      const logger = createLogger(config.LOG_LEVEL);
      let shared: { runtime: AiRuntime; users: number } | undefined;
      if (!config.REDIS_URL) {
        shared = embeddedAi.get(config.dataDir);
        if (!shared) {
          shared = { runtime: openAiRuntime(config, logger), users: 0 };
          embeddedAi.set(config.dataDir, shared);
        }
        shared.users++;
      }
      const node = await startRealtimeNode(config, { logger, ai: shared?.runtime });
      const worker = opts.worker !== false ? await startInProcessWorker(node) : undefined;
      const closeNode = node.close;
      let released = false;
      node.close = async () => {
        await worker?.close();
        await closeNode();
        if (!shared || released) return;
        released = true;
        if (--shared.users > 0) return;
        embeddedAi.delete(config.dataDir);
        await shared.runtime.close();
      };
      nodes.push(node);
      return node;
    },
    async close() {
      await Promise.all(nodes.map((n) => n.close()));
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
