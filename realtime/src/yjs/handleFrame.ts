import {
  decodeClientFrame,
  encodeAwareness,
  encodeResyncNotice,
  encodeSyncStep2,
  updateChangesDoc,
} from "./protocol";
import type { DocConnection, SharedDoc } from "./SharedDoc";
import { checkClientUpdate, type Refusal, type YjsBudget } from "./updateBudget";

/**
 * What became of a frame: handled, a write dropped because the sender may only read,
 * or refused for the budget (the client is told to resync, and the caller closes the
 * connection) or the rate.
 */
export type FrameOutcome = "ok" | "readOnly" | "rate" | Refusal;

/**
 * Handles one y-websocket frame from a client. Throws on a malformed frame (the
 * caller closes the connection). A viewer's document updates are dropped, so no
 * copy of the doc ever sees them; its awareness (cursor, name) still flows.
 */
export function handleFrame(
  shared: SharedDoc,
  conn: DocConnection,
  data: Uint8Array,
  budget: YjsBudget,
): FrameOutcome {
  const frame = decodeClientFrame(data);
  switch (frame.type) {
    case "syncStep1":
      conn.send(encodeSyncStep2(shared.doc, frame.stateVector));
      return "ok";
    case "syncStep2":
    case "syncUpdate":
      if (!conn.canWrite) {
        // A demoted editor's edit the server will never hold: told once to reload the
        // server's copy, so the editor does not silently diverge. It stays connected.
        if (!conn.toldToResync && updateChangesDoc(shared.doc, frame.update)) {
          conn.toldToResync = true;
          conn.send(encodeResyncNotice("read_only"));
        }
        return "readOnly";
      }
      if (!conn.takeUpdate()) {
        conn.send(encodeResyncNotice("rate"));
        return "rate";
      }
      // Parsed fully (it throws on a truncated or garbage update) before it touches the
      // live doc, so nothing fails half-way through integrating into the shared doc.
      {
        const refusal = checkClientUpdate(shared.doc, frame.update, budget, {
          approxBytes: shared.approxBytes,
          recount: () => shared.recountBytes(),
        });
        if (refusal) {
          conn.send(encodeResyncNotice(refusal));
          return refusal;
        }
      }
      if (!shared.applyClientUpdate(frame.update, conn)) {
        conn.send(encodeResyncNotice("missing_parents"));
        return "missing_parents";
      }
      return "ok";
    case "awareness":
      shared.applyClientAwareness(frame.update, conn);
      return "ok";
    case "queryAwareness": {
      const states = encodeAwareness(shared.awareness);
      if (states) conn.send(states);
      return "ok";
    }
  }
}
