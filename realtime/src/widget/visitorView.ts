import type { MessageMetadata } from "@engunity/shared";
import type { GatewaySocket } from "../sockets/types";

/**
 * What a widget visitor may see of a message's metadata: what the chat view shows
 * (citations, the indexing notice, versions, why an answer stopped). Everything else
 * is internal — which providers were tried and why they failed (`attempts`, `error`
 * text, `runs`), the provider and model, token usage and timings — and never reaches a
 * host app's visitor. PROTOCOL.md "Widget" → "What a visitor receives".
 */
const VISITOR_METADATA: ReadonlySet<keyof MessageMetadata> = new Set([
  "citations",
  "notice",
  "assistantMessageId",
  "finishReason",
  "version",
]);

/** Said instead of a provider's own error text. */
export const VISITOR_ANSWER_ERROR = "The assistant could not answer this time.";

/** Keys no visitor receives anywhere in a payload (another visitor's page, anyone's email). */
const HIDDEN_KEYS = new Set(["email", "pageUrl"]);

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (HIDDEN_KEYS.has(k)) continue;
    if (k === "metadata" && v !== null && typeof v === "object" && !Array.isArray(v)) {
      out[k] = visitorMetadata(v as Record<string, unknown>);
    } else if (k === "generations" && Array.isArray(v)) {
      // The join ack's running answers: their text, not who produces it.
      out[k] = v.map((g) => {
        const { provider: _p, model: _m, ...rest } = g as Record<string, unknown>;
        return redactValue(rest);
      });
    } else out[k] = redactValue(v);
  }
  return out;
}

export function visitorMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (VISITOR_METADATA.has(k as keyof MessageMetadata)) out[k] = v;
  }
  if (metadata.error !== undefined) out.error = VISITOR_ANSWER_ERROR;
  return out;
}

/** A server-to-client event's arguments as a visitor receives them. */
export function redactForVisitor(event: string, args: unknown[]): unknown[] {
  const redacted = args.map(redactValue);
  // `ai:start` names the provider and model it streams from: not the visitor's business.
  if (event === "ai:start" && redacted[0] && typeof redacted[0] === "object") {
    redacted[0] = { ...(redacted[0] as object), provider: "", model: "" };
  }
  return redacted;
}

/** An encoded Socket.IO packet: type, optional namespace and ack id, then the JSON data. */
const PACKET = /^([23])(\/[^,]*,)?(\d*)([[{].*)$/s;

/**
 * One encoded Socket.IO packet (EVENT or ACK) as a visitor receives it. Binary packets
 * and anything that does not parse pass unchanged (we send visitors no binary).
 */
export function redactPacket(encoded: string): string {
  const m = PACKET.exec(encoded);
  if (!m) return encoded;
  let data: unknown;
  try {
    data = JSON.parse(m[4]!);
  } catch {
    return encoded;
  }
  if (!Array.isArray(data)) return encoded;
  const out =
    m[1] === "2" && typeof data[0] === "string"
      ? [data[0], ...redactForVisitor(data[0], data.slice(1))]
      : redactForVisitor("", data);
  return `${m[1]}${m[2] ?? ""}${m[3]}${JSON.stringify(out)}`;
}

/**
 * Filters everything a widget socket is sent — broadcasts to its session's room (from
 * this node, another node or a worker's emitter), direct emits and acks alike — at the
 * one place they all pass: the connection's `write`. Team members' sockets are left
 * alone, so they keep the routing details the full app shows.
 */
export function filterVisitorSocket(socket: GatewaySocket): void {
  const conn = socket.conn as unknown as {
    write: (data: unknown, options?: Record<string, unknown>, callback?: unknown) => unknown;
  };
  const write = conn.write.bind(conn);
  conn.write = (data, options, callback) => {
    if (typeof data !== "string") return write(data, options, callback);
    const redacted = redactPacket(data);
    if (redacted === data) return write(data, options, callback);
    // A broadcast comes with its WebSocket frame built once for every socket (the
    // options object is shared): this socket's frame is its own, so drop that one.
    const { wsPreEncodedFrame: _shared, ...own } = options ?? {};
    return write(redacted, own, callback);
  };
}
