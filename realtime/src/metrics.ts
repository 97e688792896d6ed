import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** The Prometheus metrics of one realtime node. A registry per node, so tests can run several. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: "engunity_http_request_duration_seconds",
      help: "REST request latency by method, route and status",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    errors: new Counter({
      name: "engunity_errors_total",
      help: "Errors answered, by contract code and transport",
      labelNames: ["code", "transport"] as const,
      registers: [registry],
    }),
    socketConnections: new Gauge({
      name: "engunity_socket_connections",
      help: "Socket.IO connections open on this node",
      registers: [registry],
    }),
    socketRooms: new Gauge({
      name: "engunity_socket_session_rooms",
      help: "Session rooms with at least one socket on this node",
      registers: [registry],
    }),
    socketEventsIn: new Counter({
      name: "engunity_socket_events_in_total",
      help: "Client events received, by event name (unknown names counted as 'unknown')",
      labelNames: ["event"] as const,
      registers: [registry],
    }),
    socketEventsOut: new Counter({
      name: "engunity_socket_events_out_total",
      help: "Server events emitted, by event name (a room broadcast counts once)",
      labelNames: ["event"] as const,
      registers: [registry],
    }),
    socketAckDuration: new Histogram({
      name: "engunity_socket_ack_duration_seconds",
      help: "Time from a client event to its ack, by event and outcome (ok or error code)",
      labelNames: ["event", "outcome"] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    yjsOpenDocs: new Gauge({
      name: "engunity_yjs_open_docs",
      help: "Yjs docs held in memory on this node",
      registers: [registry],
    }),
    yjsConnections: new Gauge({
      name: "engunity_yjs_connections",
      help: "Yjs websocket connections open on this node",
      registers: [registry],
    }),
    yjsUpdateBytes: new Counter({
      name: "engunity_yjs_update_bytes_total",
      help: "Bytes of Yjs updates applied, by source (local clients or peer nodes)",
      labelNames: ["source"] as const,
      registers: [registry],
    }),
    yjsPersistFailures: new Counter({
      name: "engunity_yjs_persist_failures_total",
      help: "Failed writes of Yjs updates (kept in memory and retried)",
      registers: [registry],
    }),
    yjsRejected: new Counter({
      name: "engunity_yjs_rejected_total",
      help: "Refused Yjs handshakes and frames, by reason",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
