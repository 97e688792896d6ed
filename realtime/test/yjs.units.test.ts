import { EventEmitter } from "node:events";
import { type Logger, originAllowed, redisKeys } from "@engunity/core";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { decodeClientFrame, encodeSyncStep1, encodeUpdate } from "../src/yjs/protocol";
import {
  createRedisDocSync,
  decodePeerMessage,
  encodePeerMessage,
  type PeerMessage,
  senderPrefix,
} from "../src/yjs/redisDocSync";
import { memoryTicketStore } from "../src/yjs/tickets";

/** The pure parts of the Yjs endpoint, without a network. */
describe("Yjs units", () => {
  it("memory tickets work once and not after their lifetime", async () => {
    let now = 1_000;
    const store = memoryTicketStore(60_000, () => now);
    const grant = { userId: "u", sessionId: "s" };
    const once = await store.issue(grant);
    expect(await store.redeem(once)).toEqual(grant);
    expect(await store.redeem(once)).toBeNull();
    const late = await store.issue(grant);
    now += 60_000;
    expect(await store.redeem(late)).toBeNull();
    expect(await store.redeem("made-up")).toBeNull();
  });

  it("checks origins against the list, or against the Host when there is none", () => {
    expect(originAllowed(undefined, "a.test", [])).toBe(true);
    expect(originAllowed("https://a.test", "a.test", [])).toBe(true);
    expect(originAllowed("https://evil.test", "a.test", [])).toBe(false);
    expect(originAllowed("null", "a.test", [])).toBe(false);
    expect(originAllowed("https://app.test/", "api.test", ["https://app.test"])).toBe(true);
    expect(originAllowed("https://a.test", "a.test", ["https://app.test"])).toBe(false);
    expect(originAllowed("HTTPS://App.Test", "x", ["https://app.test"])).toBe(true);
    expect(originAllowed("https://A.test", "a.test", [])).toBe(true);
  });

  it("decodes the y-websocket frames a client sends and throws on anything else", () => {
    const doc = new Y.Doc();
    doc.getText("draft").insert(0, "hi");
    expect(decodeClientFrame(encodeSyncStep1(doc)).type).toBe("syncStep1");
    const update = Y.encodeStateAsUpdate(doc);
    expect(decodeClientFrame(encodeUpdate(update))).toEqual({ type: "syncUpdate", update });
    expect(decodeClientFrame(new Uint8Array([3]))).toEqual({ type: "queryAwareness" });
    for (const bad of [[], [9], [0, 7, 0], [0, 2, 5, 1], [1, 200]]) {
      expect(() => decodeClientFrame(new Uint8Array(bad))).toThrow();
    }
  });

  it("drops this node's own messages coming back from Redis on their first bytes, and only those", () => {
    for (const type of ["update", "awareness"] as const) {
      const own = encodePeerMessage("node-a", { type, update: new Uint8Array([9]) });
      expect(Buffer.from(own).subarray(0, senderPrefix("node-a").length)).toEqual(
        senderPrefix("node-a"),
      );
    }
    const subscriber = new EventEmitter();
    const got: [string, PeerMessage, string][] = [];
    createRedisDocSync({
      prefix: "units",
      nodeId: "node-a",
      subscriber: subscriber as unknown as Redis,
      publisher: new EventEmitter() as unknown as Redis,
      logger: { warn: () => {} } as unknown as Logger,
      handlers: { onMessage: (...args) => got.push(args), onReconnect: () => {} },
    });
    const channel = Buffer.from(`${redisKeys("units").yjsChannelPrefix}session:s`);
    const update: PeerMessage = { type: "update", update: new Uint8Array([1, 2]) };
    subscriber.emit("messageBuffer", channel, Buffer.from(encodePeerMessage("node-a", update)));
    // A node whose id starts with this one's is another node (the length comes first).
    subscriber.emit("messageBuffer", channel, Buffer.from(encodePeerMessage("node-ab", update)));
    subscriber.emit("messageBuffer", channel, Buffer.from(encodePeerMessage("node-b", update)));
    expect(got).toEqual([
      ["session:s", update, "node-ab"],
      ["session:s", update, "node-b"],
    ]);
  });

  it("round-trips every peer message with the sender's node id", () => {
    const messages: PeerMessage[] = [
      { type: "update", update: new Uint8Array([1, 2, 3]) },
      { type: "awareness", update: new Uint8Array([4]) },
      { type: "syncRequest", stateVector: new Uint8Array([0]) },
      {
        type: "syncReply",
        to: "node-b",
        update: new Uint8Array([5]),
        awareness: null,
        stateVector: new Uint8Array([0]),
      },
      {
        type: "syncReply",
        to: "node-b",
        update: new Uint8Array([5]),
        awareness: new Uint8Array([6]),
        stateVector: new Uint8Array([1, 2]),
      },
      { type: "evict", userId: "u1" },
      { type: "evict", userId: null },
    ];
    for (const message of messages) {
      expect(decodePeerMessage(encodePeerMessage("node-a", message))).toEqual({
        from: "node-a",
        message,
      });
    }
    expect(() => decodePeerMessage(new Uint8Array([1, 65, 99]))).toThrow();
  });
});
