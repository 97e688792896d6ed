/**
 * The floor of the stack: bare Socket.IO + redis adapter, no auth, no database. Run
 * as a child process (`node --import tsx bench/lib/bareServer.ts`, env REDIS_URL and
 * BARE_KEY); prints `{"msg":"bare listening","url":…}` once up.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { Server } from "socket.io";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const pub = new Redis(redisUrl);
const sub = pub.duplicate();
const httpServer = createServer();
const io = new Server(httpServer, { transports: ["websocket", "polling"] });
io.adapter(createAdapter(pub, sub, { key: process.env.BARE_KEY ?? "bare" }));

io.on("connection", (socket) => {
  socket.on("join", (room: string, ack: (r: unknown) => void) => {
    void socket.join(room);
    ack({ ok: true });
  });
  socket.on("send", (payload: { room: string; content: string }, ack: (r: unknown) => void) => {
    io.to(payload.room).emit("new", { content: payload.content });
    ack({ ok: true });
  });
});

httpServer.listen(0, "127.0.0.1", () => {
  const { port } = httpServer.address() as AddressInfo;
  console.log(JSON.stringify({ msg: "bare listening", url: `http://127.0.0.1:${port}` }));
});
process.on("SIGTERM", () => process.exit(0));
