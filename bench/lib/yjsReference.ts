/**
 * The Yjs benches' floors, each a child process of its own (so it gets a core of its
 * own like the Engunity nodes do):
 *
 * - the reference y-websocket server: `y-websocket/bin/utils` setupWSConnection, one
 *   process, no persistence;
 * - the relay floor: two of those bridged by bare Redis pub/sub (`relayOverRedis`).
 *
 * With YJS_BENCH_ROLE=reference this file is the reference server itself
 * (`startReferenceServer` starts it so).
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import type WebSocket from "ws";
import { WebSocketServer } from "ws";
import type * as Y from "yjs";
import { type ProcessNode, startProcessNode } from "../../test/support/processNode";
import { REDIS_URL } from "../../test/support/services";

const require = createRequire(import.meta.url);

/** What the reference's `bin/utils` (CommonJS) offers. */
export type ReferenceUtils = {
  setupWSConnection(conn: WebSocket, req: unknown, opts?: { docName?: string }): void;
  getYDoc(name: string): Y.Doc;
  docs: Map<string, Y.Doc>;
};

/** The reference's `bin/utils`: its docs are made of Yjs's CommonJS build, not the ESM one. */
export function referenceUtils(): ReferenceUtils {
  return require("y-websocket/bin/utils") as ReferenceUtils;
}

/**
 * Starts the reference server as a child; with `relayChannelPrefix`, one node of the
 * relay floor (start two with the same prefix). `env` is added to the child's.
 */
export function startReferenceServer(
  env: Record<string, string>,
  relayChannelPrefix?: string,
): Promise<ProcessNode> {
  return startProcessNode(
    {
      YJS_BENCH_ROLE: "reference",
      ...(relayChannelPrefix ? { YJS_BENCH_RELAY: relayChannelPrefix } : {}),
      ...env,
    },
    { script: "bench/lib/yjsReference.ts" },
  );
}

function runReferenceServer(): void {
  const utils = referenceUtils();
  const relay = process.env.YJS_BENCH_RELAY
    ? relayOverRedis(utils, process.env.YJS_BENCH_RELAY)
    : null;
  const wss = new WebSocketServer({ noServer: true });
  const server = createServer();
  server.on("upgrade", (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const docName = (req.url ?? "/").slice(1).split("?")[0]!;
      utils.setupWSConnection(ws, req, { docName });
      relay?.(docName);
    });
  });
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo;
    console.log(JSON.stringify({ msg: "reference listening", url: `http://127.0.0.1:${port}` }));
  });
  process.on("SIGTERM", () => process.exit(0));
}

/**
 * The floor of a two-node path: the reference server's docs bridged by bare Redis
 * pub/sub, one channel per doc, each message the sender's id and the Yjs update. What
 * a doc's 'update' event emits is published (after the reference's own broadcast, as
 * it registers first); what comes from Redis is applied with an origin never re-sent.
 * No auth, no persistence, no checks: the least a cross-node hop can cost.
 */
function relayOverRedis(utils: ReferenceUtils, channelPrefix: string): (docName: string) => void {
  // The CommonJS Yjs the reference's docs are made of.
  const Ycjs = require("yjs") as typeof Y;
  const pub = new Redis(REDIS_URL);
  const sub = new Redis(REDIS_URL);
  const FROM_RELAY = Symbol("relay");
  const me = Buffer.from(randomUUID().slice(0, 8));
  sub.on("messageBuffer", (channel: Buffer, data: Buffer) => {
    if (data.subarray(0, me.length).equals(me)) return;
    const doc = utils.docs.get(channel.toString().slice(channelPrefix.length));
    if (doc) Ycjs.applyUpdate(doc, data.subarray(me.length), FROM_RELAY);
  });
  const bridged = new Set<string>();
  return (docName) => {
    if (bridged.has(docName)) return;
    bridged.add(docName);
    const channel = channelPrefix + docName;
    void sub.subscribe(channel);
    utils.docs.get(docName)!.on("update", (update: Uint8Array, origin: unknown) => {
      if (origin !== FROM_RELAY) void pub.publish(channel, Buffer.concat([me, update]));
    });
  };
}

if (process.env.YJS_BENCH_ROLE === "reference") runReferenceServer();
