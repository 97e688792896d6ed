import type { Logger } from "@engunity/core";
import { redisKeys } from "@engunity/core";
import type { Redis } from "ioredis";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";

/**
 * What nodes tell each other about one doc. `syncRequest` is sent by a node that has
 * just loaded a doc (or reconnected to Redis): the others answer with what it lacks,
 * which covers updates they hold but have not stored yet, and with their state
 * vector, so the requester sends back what they lack (after a Redis outage both sides
 * may have missed something, and only one side's request may have been heard).
 */
export type PeerMessage =
  | { type: "update"; update: Uint8Array }
  | { type: "awareness"; update: Uint8Array }
  | { type: "syncRequest"; stateVector: Uint8Array }
  | {
      type: "syncReply";
      to: string;
      update: Uint8Array;
      awareness: Uint8Array | null;
      /** The replier's state vector, so the requester can send back what the replier lacks. */
      stateVector: Uint8Array;
    }
  | { type: "evict"; userId: string | null }
  /** A member's role changed: their connections to this doc may (no longer) write. */
  | { type: "role"; userId: string; canWrite: boolean };

const KIND = { update: 0, awareness: 1, syncRequest: 2, syncReply: 3, evict: 4, role: 5 } as const;

/** Cross-node fan-out of docs: one channel per doc. Embedded mode has none. */
export interface DocSync {
  readonly nodeId: string;
  subscribe(room: string): Promise<void>;
  unsubscribe(room: string): Promise<void>;
  publish(room: string, message: PeerMessage): void;
  close(): Promise<void>;
}

export interface DocSyncHandlers {
  onMessage(room: string, message: PeerMessage, fromNode: string): void;
  /** Redis came back after an outage; messages may have been missed meanwhile. */
  onReconnect(): void;
}

export function encodePeerMessage(nodeId: string, message: PeerMessage): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, nodeId);
  encoding.writeVarUint(e, KIND[message.type]);
  switch (message.type) {
    case "update":
    case "awareness":
      encoding.writeVarUint8Array(e, message.update);
      break;
    case "syncRequest":
      encoding.writeVarUint8Array(e, message.stateVector);
      break;
    case "syncReply":
      encoding.writeVarString(e, message.to);
      encoding.writeVarUint8Array(e, message.update);
      encoding.writeVarUint8Array(e, message.awareness ?? new Uint8Array());
      encoding.writeVarUint8Array(e, message.stateVector);
      break;
    case "evict":
      encoding.writeVarString(e, message.userId ?? "");
      break;
    case "role":
      encoding.writeVarString(e, message.userId);
      encoding.writeUint8(e, message.canWrite ? 1 : 0);
      break;
  }
  return encoding.toUint8Array(e);
}

/** The bytes every message from `nodeId` starts with. */
export function senderPrefix(nodeId: string): Buffer {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, nodeId);
  return Buffer.from(encoding.toUint8Array(e));
}

export function decodePeerMessage(data: Uint8Array): { from: string; message: PeerMessage } {
  const d = decoding.createDecoder(data);
  const from = decoding.readVarString(d);
  const kind = decoding.readVarUint(d);
  switch (kind) {
    case KIND.update:
      return { from, message: { type: "update", update: decoding.readVarUint8Array(d) } };
    case KIND.awareness:
      return { from, message: { type: "awareness", update: decoding.readVarUint8Array(d) } };
    case KIND.syncRequest:
      return { from, message: { type: "syncRequest", stateVector: decoding.readVarUint8Array(d) } };
    case KIND.syncReply: {
      const to = decoding.readVarString(d);
      const update = decoding.readVarUint8Array(d);
      const awareness = decoding.readVarUint8Array(d);
      const stateVector = decoding.readVarUint8Array(d);
      return {
        from,
        message: {
          type: "syncReply",
          to,
          update,
          awareness: awareness.length ? awareness : null,
          stateVector,
        },
      };
    }
    case KIND.evict:
      return { from, message: { type: "evict", userId: decoding.readVarString(d) || null } };
    case KIND.role: {
      const userId = decoding.readVarString(d);
      return { from, message: { type: "role", userId, canWrite: decoding.readUint8(d) === 1 } };
    }
    default:
      throw new Error(`unknown peer message kind ${kind}`);
  }
}

/**
 * Redis pub/sub on `<prefix>:yjs:<room>`, on a subscriber and a publisher connection
 * of its own (a subscribed ioredis connection can run no other command). Every
 * message names the node that sent it, so a node drops its own echo.
 */
export function createRedisDocSync(opts: {
  prefix: string;
  nodeId: string;
  subscriber: Redis;
  publisher: Redis;
  logger: Logger;
  handlers: DocSyncHandlers;
}): DocSync {
  const { subscriber, publisher, logger, nodeId } = opts;
  const channelPrefix = redisKeys(opts.prefix).yjsChannelPrefix;
  const channel = (room: string) => `${channelPrefix}${room}`;
  // Every message starts with its sender's id: this node's own come back from Redis
  // (it is subscribed to the channels it publishes on) and are dropped on these bytes,
  // before anything is decoded or copied.
  const ownPrefix = senderPrefix(nodeId);

  subscriber.on("messageBuffer", (rawChannel: Buffer, data: Buffer) => {
    if (data.length > ownPrefix.length && data.subarray(0, ownPrefix.length).equals(ownPrefix)) {
      return;
    }
    const name = rawChannel.toString();
    if (!name.startsWith(channelPrefix)) return;
    try {
      const { from, message } = decodePeerMessage(new Uint8Array(data));
      if (from === nodeId) return;
      opts.handlers.onMessage(name.slice(channelPrefix.length), message, from);
    } catch (err) {
      logger.warn({ err, channel: name }, "dropped a malformed yjs peer message");
    }
  });
  // ioredis resubscribes by itself after a reconnect; what was published meanwhile is
  // lost, so the registry asks its peers again.
  let wasReady = false;
  subscriber.on("ready", () => {
    if (wasReady) opts.handlers.onReconnect();
    wasReady = true;
  });

  return {
    nodeId,
    async subscribe(room) {
      await subscriber.subscribe(channel(room));
    },
    async unsubscribe(room) {
      await subscriber.unsubscribe(channel(room));
    },
    publish(room, message) {
      const encoded = encodePeerMessage(nodeId, message);
      const payload = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
      publisher.publish(channel(room), payload).catch((err: Error) => {
        logger.warn({ err: err.message, room }, "yjs publish failed; peers resync on reconnect");
      });
    },
    async close() {
      await Promise.all([subscriber, publisher].map((r) => r.quit().catch(() => r.disconnect())));
    },
  };
}
