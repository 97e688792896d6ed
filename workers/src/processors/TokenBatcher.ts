/**
 * Coalesces token deltas into batches of about `intervalMs`, leading edge first: the
 * very first text goes to `sink` at once (the room sees the answer start without
 * waiting out a window); after it, the first token of a batch starts the clock and
 * `sink` gets the batch's text when it runs out. Sinks run one at a time, in order,
 * so batch seqs reach the log and the room in order.
 */
export class TokenBatcher {
  private pending = "";
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private sentFirst = false;

  constructor(
    private readonly intervalMs: number,
    private readonly sink: (text: string) => Promise<void>,
  ) {}

  push(text: string): void {
    this.pending += text;
    if (!this.sentFirst) {
      this.sentFirst = true;
      this.cut();
      return;
    }
    this.timer ??= setTimeout(() => this.cut(), this.intervalMs);
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
