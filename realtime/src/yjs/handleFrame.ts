import { assertValidUpdate, decodeClientFrame, encodeAwareness, encodeSyncStep2 } from "./protocol";
import type { DocConnection, SharedDoc } from "./SharedDoc";

/** What became of a frame: handled, or a write dropped because the sender may only read. */
export type FrameOutcome = "ok" | "readOnly";

/**
 * Handles one y-websocket frame from a client. Throws on a malformed frame (the
 * caller closes the connection). A viewer's document updates are dropped, so no
 * copy of the doc ever sees them; its awareness (cursor, name) still flows.
 */
export function handleFrame(
  shared: SharedDoc,
  conn: DocConnection,
  data: Uint8Array,
): FrameOutcome {
  const frame = decodeClientFrame(data);
  switch (frame.type) {
    case "syncStep1":
      conn.send(encodeSyncStep2(shared.doc, frame.stateVector));
      return "ok";
    case "syncStep2":
    case "syncUpdate":
      if (!conn.canWrite) return "readOnly";
      // Parse fully before touching the live doc: a truncated or garbage update
      // must fail here, not half-way through integrating into the shared doc.
      assertValidUpdate(frame.update);
      shared.applyClientUpdate(frame.update, conn);
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
