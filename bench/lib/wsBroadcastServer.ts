/**
 * The physical floor of message fan-out: a raw `ws` server (no Socket.IO, no rooms, no
 * Redis, no auth, no database) that sends every frame it receives, unchanged, to every
 * connected client, the sender included (as `io.to(room).emit` does), then an ack
 * frame to the sender. One process: it is what one node's sockets cost, nothing more.
 * Run as a child process (`node --import tsx bench/lib/wsBroadcastServer.ts`); prints
 * `{"msg":"ws listening","url":…}` once up.
 *
 * Frames: a client sends `<ackId>|<content>`; every client receives `<content>` (one
 * serialisation, the same buffer written to each socket) and the sender `ack|<ackId>`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";

const httpServer = createServer();
const wss = new WebSocketServer({ server: httpServer, perMessageDeflate: false });

wss.on("connection", (socket) => {
  socket.on("message", (data: Buffer, isBinary) => {
    const bar = data.indexOf(0x7c); // "|"
    if (bar < 0) return;
    const frame = data.subarray(bar + 1);
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(frame, { binary: isBinary });
    }
    socket.send(`ack|${data.subarray(0, bar).toString()}`);
  });
});

httpServer.listen(0, "127.0.0.1", () => {
  const { port } = httpServer.address() as AddressInfo;
  console.log(JSON.stringify({ msg: "ws listening", url: `http://127.0.0.1:${port}` }));
});
process.on("SIGTERM", () => process.exit(0));
