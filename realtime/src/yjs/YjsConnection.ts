import type { WebSocket } from "ws";
import type { DocConnection } from "./SharedDoc";

/** A websocket as a doc connection; sending never throws, a dead socket is just closed. */
export class YjsConnection implements DocConnection {
  /** Answered the last ping; a connection that misses one is cut (half-open TCP). */
  alive = true;
  toldToResync = false;

  /** Token bucket of document updates: `rate` a second, bursts of twice that. */
  private tokens: number;
  private refilledAt = Date.now();

  constructor(
    readonly ws: WebSocket,
    readonly userId: string,
    readonly sessionId: string,
    public canWrite: boolean,
    readonly name: string,
    /** The login session it was opened under: signing that out closes it. */
    readonly jti: string | undefined,
    private readonly rate: number,
  ) {
    this.tokens = rate * 2;
  }

  takeUpdate(): boolean {
    const now = Date.now();
    this.tokens = Math.min(
      this.rate * 2,
      this.tokens + ((now - this.refilledAt) / 1000) * this.rate,
    );
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

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
