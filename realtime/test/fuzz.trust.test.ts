import { LIMITS, sendPayloadSchema } from "@engunity/shared";
import * as encoding from "lib0/encoding";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";
import { type ClientSocket, connectClient, emitAck } from "../../test/support/sockets";
import type { RealtimeNode } from "../src";
import type { DocPersister } from "../src/yjs/DocPersister";
import { handleFrame } from "../src/yjs/handleFrame";
import { type DocConnection, SharedDoc } from "../src/yjs/SharedDoc";
import type { TitleMirror } from "../src/yjs/TitleMirror";
import { DEFAULT_MAX_UPDATE_BYTES } from "../src/yjs/updateBudget";

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}
type Rng = ReturnType<typeof rng>;

const NASTY = ["", "\u0000", "\u202e", "a".repeat(40_000), "@ai", "$ne", "{}", "<script>", "💥"];

/** A random JSON-ish value: what a hostile client can put in a payload. */
function value(r: Rng, depth: number, sessionId: string): unknown {
  switch (r.int(depth > 2 ? 6 : 9)) {
    case 0:
      return r.int(2) ? sessionId : crypto.randomUUID();
    case 1:
      return r.pick(NASTY);
    case 2:
      return r.next() * 1e12 - 5e11;
    case 3:
      return r.pick([true, false, null, undefined, -1, 0, Number.MAX_SAFE_INTEGER]);
    case 4:
      return String.fromCharCode(...Array.from({ length: r.int(30) }, () => r.int(0xffff)));
    case 5:
      return r.int(20);
    case 6:
      return Array.from({ length: r.int(4) }, () => value(r, depth + 1, sessionId));
    default: {
      const keys = ["sessionId", "content", "clientId", "ai", "messageId", "afterSeq", "typing"];
      return Object.fromEntries(
        Array.from({ length: r.int(6) }, () => [r.pick(keys), value(r, depth + 1, sessionId)]),
      );
    }
  }
}

const EVENTS = [
  "session:join",
  "session:leave",
  "message:send",
  "ai:stop",
  "ai:resume",
  "typing",
  "nope",
  "__proto__",
] as const;

/**
 * Seeded fuzzing of every socket event and of Yjs frames, 10,000 cases in all: the
 * process stays up, nothing invalid is stored, no unhandled rejection.
 */
describe("socket and Yjs fuzz (seeded)", () => {
  let stack: TestStack;
  let node: RealtimeNode;
  let api: ApiClient;
  let socket: ClientSocket;
  let sessionId: string;
  const rejections: unknown[] = [];
  const onRejection = (err: unknown) => rejections.push(err);

  beforeAll(async () => {
    process.on("unhandledRejection", onRejection);
    stack = await createTestStack("sqlite", { worker: false });
    node = await stack.startNode();
    api = apiClient(node.url);
    const alice = await api.register("alice");
    sessionId = (await api.post("/chat/sessions", { title: "fuzz" }, alice.token)).body.id;
    socket = await connectClient(node.url, alice.token);
  });
  afterAll(async () => {
    process.off("unhandledRejection", onRejection);
    socket?.close();
    await stack?.close();
  });

  it("survives 5,000 random socket events, storing only valid messages", async () => {
    const seed = Number(process.env.FUZZ_SEED ?? 11);
    const r = rng(seed);
    const s = socket as unknown as { emit(e: string, ...a: unknown[]): void };
    for (let batch = 0; batch < 50; batch++) {
      for (let i = 0; i < 99; i++) {
        const event = r.pick(EVENTS);
        const payload = value(r, 0, sessionId);
        // Half with an ack callback, half without; some with extra arguments.
        if (r.int(2)) s.emit(event, payload, () => {});
        else s.emit(event, payload, value(r, 2, sessionId));
      }
      // One acked event per batch: the socket still answers, in order, after the rest.
      // (It may be an honest `rate_limited`: the flood spent the socket's event budget.)
      const ack = await emitAck(socket, "session:join", { sessionId });
      expect(
        ack.ok === true || typeof ack.error?.code === "string",
        `seed ${seed} batch ${batch}`,
      ).toBe(true);
    }
    expect((await fetch(`${node.url}/api/v1/health`)).status).toBe(200);
    const stored = await node.ctx.db.models.ChatMessage.findAll({ where: { sessionId } });
    for (const m of stored) {
      expect(
        sendPayloadSchema.safeParse({ sessionId, content: m.content, clientId: m.clientId ?? "x" })
          .success,
      ).toBe(true);
    }
    expect(rejections).toEqual([]);
  });

  it("survives 5,000 random Yjs frames: only title and draft, within budget, awareness bound", () => {
    const seed = Number(process.env.FUZZ_SEED ?? 7);
    const r = rng(seed);
    const shared = new SharedDoc(`session:${sessionId}`, sessionId, {
      sync: null,
      onUpdateBytes: () => {},
    });
    shared.persister = { push: () => {} } as unknown as DocPersister;
    shared.title = { schedule: () => {} } as unknown as TitleMirror;
    let tokens = 0;
    const conn: DocConnection = {
      userId: "u-fuzz",
      name: "Fuzzer",
      canWrite: true,
      toldToResync: false,
      takeUpdate: () => ++tokens % 50 !== 0,
      send: () => {},
      close: () => {},
    };
    shared.attach(conn);
    const budget = { maxUpdateBytes: DEFAULT_MAX_UPDATE_BYTES, maxDocBytes: 1_000_000 };
    let writer = new Y.Doc();
    const frames = (): Uint8Array => {
      const e = encoding.createEncoder();
      switch (r.int(6)) {
        case 0: // raw garbage
          return Uint8Array.from({ length: r.int(40) }, () => r.int(256));
        case 1: {
          // a real edit of a random shared type, sometimes a huge one
          const sv = Y.encodeStateVector(writer);
          const name = r.pick(["title", "draft", "draft", "blob", "x"]);
          if (name === "title" || name === "draft") {
            writer.getText(name).insert(0, r.int(40) ? "abc" : "z".repeat(20_000));
          } else writer.getMap(name).set("k", r.pick(NASTY));
          encoding.writeVarUint(e, 0);
          encoding.writeVarUint(e, r.pick([1, 2]));
          encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(writer, sv));
          return encoding.toUint8Array(e);
        }
        case 2: {
          // awareness claiming random ids and identities
          const inner = encoding.createEncoder();
          const n = r.int(4);
          encoding.writeVarUint(inner, n);
          for (let i = 0; i < n; i++) {
            encoding.writeVarUint(inner, r.int(10));
            encoding.writeVarUint(inner, r.int(1000));
            encoding.writeVarString(
              inner,
              r.int(5) ? JSON.stringify({ user: { id: "owner", name: "alice" } }) : r.pick(NASTY),
            );
          }
          encoding.writeVarUint(e, 1);
          encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
          return encoding.toUint8Array(e);
        }
        case 3: // sync step 1 with a random state vector
          encoding.writeVarUint(e, 0);
          encoding.writeVarUint(e, 0);
          encoding.writeVarUint8Array(
            e,
            Uint8Array.from({ length: r.int(10) }, () => r.int(256)),
          );
          return encoding.toUint8Array(e);
        case 4:
          return Uint8Array.of(3);
        default: {
          // a valid-looking update frame with bytes flipped
          const update = Y.encodeStateAsUpdate(writer);
          const copy = Uint8Array.from(update);
          for (let i = 0; i < 3 && copy.length; i++) copy[r.int(copy.length)] = r.int(256);
          encoding.writeVarUint(e, 0);
          encoding.writeVarUint(e, 2);
          encoding.writeVarUint8Array(e, copy);
          return encoding.toUint8Array(e);
        }
      }
    };
    for (let i = 0; i < 5000; i++) {
      // A fresh client now and then, so one client's history does not dominate the run.
      if (i % 40 === 0) writer = new Y.Doc();
      try {
        handleFrame(shared, conn, frames(), budget);
      } catch {
        // The server closes the connection on a throw; the doc must be unharmed.
      }
    }
    expect([...shared.doc.share.keys()].filter((k) => k !== "title" && k !== "draft")).toEqual([]);
    expect(shared.doc.getText("draft").length).toBeLessThanOrEqual(LIMITS.messageMax);
    for (const state of shared.awareness.getStates().values()) {
      expect(state.user?.id).toBe("u-fuzz");
    }
    expect(rejections).toEqual([]);
  });
});
