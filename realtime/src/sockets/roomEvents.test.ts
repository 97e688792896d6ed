import { sessionRoom, userRoom } from "@engunity/shared";
import { Server } from "socket.io";
import { describe, expect, it } from "vitest";
import { onRoomEvents } from "./roomEvents";

describe("room events", () => {
  it("every event into a session room counts as a change, but presence and typing; evictions are moves", () => {
    const io = new Server();
    const changed: string[] = [];
    let moved = 0;
    onRoomEvents(io.of("/").adapter, {
      changed: (sessionId) => changed.push(sessionId),
      moved: () => {
        moved += 1;
      },
    });
    io.to(sessionRoom("s1")).emit("message:new", {});
    io.to([sessionRoom("s2"), "watch:s2"]).emit("session:updated", {});
    io.local.to(sessionRoom("s3")).except("presence-full:s3").emit("presence:join", {});
    io.to(sessionRoom("s3")).emit("typing", {});
    io.local.to(sessionRoom("s3")).emit("presence", {});
    io.to(userRoom("u1")).emit("membership", {});
    expect(changed).toEqual(["s1", "s2"]);
    expect(moved).toBe(0);
    // Sockets leaving a session room (an eviction) are a change too.
    io.in(sessionRoom("s4")).socketsLeave(sessionRoom("s4"));
    expect(changed).toEqual(["s1", "s2", "s4"]);
    expect(moved).toBe(1);
    // …and a neutral event's name does not carry over to what follows it.
    io.to(sessionRoom("s5")).emit("typing", {});
    io.in(sessionRoom("s5")).socketsLeave(sessionRoom("s5"));
    expect(changed).toEqual(["s1", "s2", "s4", "s5"]);
    expect(moved).toBe(2);
    io.in("user:u1").disconnectSockets();
    expect(moved).toBe(3);
  });
});
