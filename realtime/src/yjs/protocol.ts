import { YJS_RESYNC_PREFIX } from "@engunity/shared";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { writePermissionDenied } from "y-protocols/auth";
import { type Awareness, encodeAwarenessUpdate } from "y-protocols/awareness";
import * as sync from "y-protocols/sync";
import * as Y from "yjs";

/**
 * The y-websocket wire format: every frame is `[messageType: varUint, body…]`.
 * Sync bodies are y-protocols sync messages (step 1, step 2, update); awareness
 * bodies are one `varUint8Array` awareness update.
 */
export const MessageType = {
  sync: 0,
  awareness: 1,
  auth: 2,
  queryAwareness: 3,
} as const;

export const SyncType = {
  step1: sync.messageYjsSyncStep1,
  step2: sync.messageYjsSyncStep2,
  update: sync.messageYjsUpdate,
} as const;

/** Sync step 1: our state vector, asking the peer for what we lack. */
export function encodeSyncStep1(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.sync);
  sync.writeSyncStep1(encoder, doc);
  return encoding.toUint8Array(encoder);
}

/** Sync step 2: everything in `doc` the holder of `stateVector` lacks. */
export function encodeSyncStep2(doc: Y.Doc, stateVector?: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.sync);
  sync.writeSyncStep2(encoder, doc, stateVector);
  return encoding.toUint8Array(encoder);
}

/** A sync update frame carrying one Yjs update. */
export function encodeUpdate(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.sync);
  sync.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** An awareness frame with the states of `clients` (all known states when omitted). */
export function encodeAwareness(awareness: Awareness, clients?: number[]): Uint8Array | null {
  const ids = clients ?? [...awareness.getStates().keys()];
  if (ids.length === 0) return null;
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.awareness);
  encoding.writeVarUint8Array(encoder, encodeAwarenessUpdate(awareness, ids));
  return encoding.toUint8Array(encoder);
}

/** One decoded client frame. Throws on anything malformed. */
export type ClientFrame =
  | { type: "syncStep1"; stateVector: Uint8Array }
  | { type: "syncStep2" | "syncUpdate"; update: Uint8Array }
  | { type: "awareness"; update: Uint8Array }
  | { type: "queryAwareness" };

/** Decodes a client frame; throws on an unknown type or truncated body. */
export function decodeClientFrame(frame: Uint8Array): ClientFrame {
  const decoder = decoding.createDecoder(frame);
  const type = decoding.readVarUint(decoder);
  switch (type) {
    case MessageType.sync: {
      const syncType = decoding.readVarUint(decoder);
      const body = decoding.readVarUint8Array(decoder);
      if (syncType === SyncType.step1) return { type: "syncStep1", stateVector: body };
      if (syncType === SyncType.step2) return { type: "syncStep2", update: body };
      if (syncType === SyncType.update) return { type: "syncUpdate", update: body };
      throw new Error(`unknown sync message ${syncType}`);
    }
    case MessageType.awareness:
      return { type: "awareness", update: decoding.readVarUint8Array(decoder) };
    case MessageType.queryAwareness:
      return { type: "queryAwareness" };
    default:
      throw new Error(`unknown message type ${type}`);
  }
}

/**
 * Tells a client the server refused its edit (y-protocols auth "permission denied",
 * reason `resync:<why>`): its copy now holds what the server's lacks, so it must drop
 * its local state and load the server's copy again (the web client does; a stock
 * y-websocket client logs it).
 */
export function encodeResyncNotice(why: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.auth);
  writePermissionDenied(encoder, `${YJS_RESYNC_PREFIX}${why}`);
  return encoding.toUint8Array(encoder);
}

/**
 * Whether `update` would change `doc` (content or deletions it lacks). A viewer's
 * client sends its whole state on every connect; only one that really diverged from
 * the server's copy needs telling. Costs a copy of the doc: only for refused writes.
 */
export function updateChangesDoc(doc: Y.Doc, update: Uint8Array): boolean {
  const decoded = Y.decodeUpdate(update);
  if (decoded.structs.length === 0 && decoded.ds.clients.size === 0) return false;
  const state = Y.encodeStateAsUpdate(doc);
  const probe = new Y.Doc({ gc: false });
  try {
    Y.applyUpdate(probe, state);
    Y.applyUpdate(probe, update);
    const after = Y.encodeStateAsUpdate(probe);
    return after.byteLength !== state.byteLength || !after.every((b, i) => b === state[i]);
  } finally {
    probe.destroy();
  }
}
