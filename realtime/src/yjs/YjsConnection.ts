import type { WebSocket } from "ws";
import type { DocConnection } from "./SharedDoc";

/** A websocket as a doc connection; sending never throws, a dead socket is just closed. */
export class YjsConnection implements DocConnection {
  /** Answered the last ping; a connection that misses one is cut (half-open TCP). */
  alive = true;

  constructor(
    readonly ws: WebSocket,
    readonly userId: string,
    readonly sessionId: string,
    public canWrite: boolean,
  ) {}

  send(frame: Uint8Array): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(frame, (err) => {
      if (err) this.ws.terminate();
    });
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      this.ws.close(code, reason);
    }
  }
}
