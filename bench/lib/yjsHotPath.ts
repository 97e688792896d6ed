/**
 * Where the time of one Yjs update goes inside a node, without the network's noise:
 * a SharedDoc with `--local` connections that are real loopback TCP sockets (each send
 * one socket write, as in production) and a DocSync whose publish is a real socket
 * write too. For each of --updates inserts it times, with the CPU's clock:
 *
 * - client update (handleFrame): arrival → the Redis publish written, → the first local
 *   socket written, and → done;
 * - peer update (applyPeerUpdate): arrival → the first local socket written, and → done.
 *
 *   npx tsx bench/lib/yjsHotPath.ts [--local=1,4,24] [--updates=2000]
 *
 * Medians in µs. Compare two commits by running it on each (it imports the working tree).
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createServer, type Socket, connect as tcpConnect } from "node:net";
import * as Y from "yjs";
import type { DocPersister } from "../../realtime/src/yjs/DocPersister";
import { handleFrame } from "../../realtime/src/yjs/handleFrame";
import { encodeUpdate } from "../../realtime/src/yjs/protocol";
import { type DocSync, encodePeerMessage } from "../../realtime/src/yjs/redisDocSync";
import { type DocConnection, SharedDoc } from "../../realtime/src/yjs/SharedDoc";
import { DEFAULT_MAX_UPDATE_BYTES } from "../../realtime/src/yjs/updateBudget";
import { parseArgs } from "./fixtures";
import { percentile } from "./stats";

const args = parseArgs();
const LOCAL = (args.local ?? "1,4,24").split(",").map(Number);
const UPDATES = Number(args.updates ?? 2000);

/** A sink that reads and drops everything; returns `count` client sockets into it. */
async function sockets(count: number): Promise<{ socks: Socket[]; close(): void }> {
  const server = createServer((s) => s.resume());
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const socks: Socket[] = [];
  for (let i = 0; i < count; i++) {
    const s = tcpConnect(port, "127.0.0.1");
    s.setNoDelay(true);
    await once(s, "connect");
    socks.push(s);
  }
  return {
    socks,
    close() {
      for (const s of socks) s.destroy();
      server.close();
    },
  };
}

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
const us = (ns: bigint) => Number(ns) / 1000;

async function run(local: number) {
  const { socks, close } = await sockets(local + 2);
  let publishedAt = 0n;
  let firstSendAt = 0n;
  const sync: DocSync = {
    nodeId: "bench",
    subscribe: async () => {},
    unsubscribe: async () => {},
    publish(_room, message) {
      socks[0]!.write(encodePeerMessage("bench", message));
      publishedAt ||= process.hrtime.bigint();
    },
    close: async () => {},
  };
  const shared = new SharedDoc("session:s", "s", { sync, onUpdateBytes: () => {} });
  shared.persister = { push() {}, stop() {} } as unknown as DocPersister;
  const conn = (sock: Socket, userId: string): DocConnection => ({
    userId,
    name: userId,
    canWrite: true,
    toldToResync: false,
    takeUpdate: () => true,
    send(frame) {
      sock.write(frame);
      firstSendAt ||= process.hrtime.bigint();
    },
    close() {},
  });
  const sender = conn(socks[1]!, "sender");
  shared.attach(sender);
  for (let i = 0; i < local; i++) shared.attach(conn(socks[i + 2]!, `u${i}`));
  const budget = { maxUpdateBytes: DEFAULT_MAX_UPDATE_BYTES, maxDocBytes: 10_000_000 };

  const client = new Y.Doc();
  const peer = new Y.Doc();
  const toRedis: number[] = [];
  const clientDone: number[] = [];
  const clientToFirstSocket: number[] = [];
  const toFirstSocket: number[] = [];
  const peerDone: number[] = [];
  for (let k = 0; k < UPDATES; k++) {
    // A client's insert, through the whole frame handler.
    let before = Y.encodeStateVector(client);
    client.getText("draft").insert(client.getText("draft").length, `⟦${k}⟧ `);
    const frame = encodeUpdate(Y.encodeStateAsUpdate(client, before));
    publishedAt = 0n;
    firstSendAt = 0n;
    let t0 = process.hrtime.bigint();
    handleFrame(shared, sender, frame, budget);
    let t1 = process.hrtime.bigint();
    toRedis.push(us(publishedAt - t0));
    clientToFirstSocket.push(us(firstSendAt - t0));
    clientDone.push(us(t1 - t0));
    // Another node's insert, as peer sync hands it over.
    before = Y.encodeStateVector(peer);
    peer.getText("title").insert(peer.getText("title").length, "x");
    const update = Y.encodeStateAsUpdate(peer, before);
    firstSendAt = 0n;
    t0 = process.hrtime.bigint();
    shared.applyPeerUpdate(update);
    t1 = process.hrtime.bigint();
    toFirstSocket.push(us(firstSendAt - t0));
    peerDone.push(us(t1 - t0));
    // Let the sockets drain, as the event loop does between frames.
    if (k % 10 === 9) await new Promise((r) => setImmediate(r));
  }
  close();
  shared.destroy();
  // The first quarter warms the JIT up.
  const tail = (xs: number[]) => xs.slice(Math.floor(xs.length / 4));
  return {
    local,
    "client → Redis written (µs)": median(tail(toRedis)).toFixed(1),
    "client → 1st socket written (µs)": median(tail(clientToFirstSocket)).toFixed(1),
    "client frame done (µs)": median(tail(clientDone)).toFixed(1),
    "peer → 1st socket written (µs)": median(tail(toFirstSocket)).toFixed(1),
    "peer update done (µs)": median(tail(peerDone)).toFixed(1),
  };
}

const rows = [];
for (const local of LOCAL) rows.push(await run(local));
console.table(rows);
