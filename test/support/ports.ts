import { Socket } from "node:net";

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve(true);
    });
  });
}

/** Ports handed out by `fixedPort` in this process, so two callers never get the same one. */
const taken = new Set<number>();

/**
 * A free loopback port below Linux's ephemeral range (32768+), for a server a test stops
 * and starts again on the same port: while it is down, no `listen(0)` elsewhere in the
 * run can be handed that port.
 */
export async function fixedPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(candidate) || (await portOpen(candidate))) continue;
    taken.add(candidate);
    return candidate;
  }
  throw new Error("no free port below the ephemeral range");
}
