/**
 * Coalesces token deltas into batches of about `intervalMs`, leading edge first: the
 * very first text goes to `sink` at once (the room sees the answer start without
 * waiting out a window); after it, the first token of a batch starts the clock and
 * `sink` gets the batch's text when it runs out — or sooner, as soon as the next token
 * is not expected inside the window: a batch waits only for tokens it can still hold.
 * The expected gap is the smaller of the last gap and a moving average of gaps, so a
 * burst (gaps near zero) still coalesces while a steady stream goes out on its last
 * token, and tokens slower than the window go out one by one, at once. Sinks run one
 * at a time, in order, so batch seqs reach the log and the room in order.
 */
export class TokenBatcher {
  private pending = "";
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private sentFirst = false;
  /** When the open batch's clock started, and when the last text was pushed (ms). */
  private windowStart = 0;
  private lastPushAt: number | null = null;
  private lastGap = 0;
  private averageGap: number | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly sink: (text: string) => Promise<void>,
  ) {}

  push(text: string): void {
    const now = Date.now();
    this.pending += text;
    this.noteGap(now);
    if (!this.sentFirst) {
      this.sentFirst = true;
      this.cut();
      return;
    }
    if (!this.timer) {
      this.windowStart = now;
      this.timer = setTimeout(() => this.cut(), this.intervalMs);
    }
    if (this.averageGap !== null) {
      const expectedNext = now + Math.min(this.lastGap, this.averageGap);
      if (expectedNext >= this.windowStart + this.intervalMs) this.cut();
    }
  }

  private noteGap(now: number): void {
    if (this.lastPushAt !== null) {
      this.lastGap = Math.max(0, now - this.lastPushAt);
      this.averageGap =
        this.averageGap === null ? this.lastGap : 0.75 * this.averageGap + 0.25 * this.lastGap;
    }
    this.lastPushAt = now;
  }

  private cut(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending) return;
    const text = this.pending;
    this.pending = "";
    this.chain = this.chain
      .then(() => this.sink(text))
      .catch((err) => {
        this.failure ??= err;
      });
  }

  /** Sends what is pending and waits for every batch to be through the sink. */
  async flush(): Promise<void> {
    this.cut();
    await this.chain;
    if (this.failure) throw this.failure;
  }
}
