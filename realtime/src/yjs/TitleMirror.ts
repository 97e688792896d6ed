import type { Logger } from "@engunity/core";
import { toError } from "@engunity/core";
import { SETTLED } from "./SharedDoc";

/**
 * Mirrors a doc's Yjs title into `chat_sessions.title`, debounced. Every node that
 * holds the doc mirrors on every change it sees, local or remote, writing its own
 * current title: the last write of each node is the converged title, so the column
 * ends equal to the doc whichever node writes last. Writes of one doc never overlap.
 */
export class TitleMirror {
  private timer: NodeJS.Timeout | null = null;
  /** The writes in flight; `SETTLED` when there are none. */
  private chain: Promise<void> = SETTLED;
  private stopped = false;

  constructor(
    /** The doc's title (a Y.Text). */
    private readonly text: { toString(): string },
    private readonly sessionId: string,
    /** Shared by every doc of a registry, so no doc holds closures of its own. */
    private readonly deps: {
      writeTitle(sessionId: string, title: string): Promise<void>;
      logger: Logger;
    },
    private readonly debounceMs = 500,
  ) {}

  /** The title changed; write it once it has been quiet for a while. */
  schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.enqueue();
    }, this.debounceMs);
  }

  /** Writes a scheduled change now and waits for every write to finish. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.enqueue();
    }
    await this.chain;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private enqueue(): void {
    const next = this.chain.then(async () => {
      try {
        await this.deps.writeTitle(this.sessionId, this.text.toString());
      } catch (err) {
        this.deps.logger.warn(
          { err: toError(err).message },
          "mirroring the yjs title failed; retrying",
        );
        this.schedule();
      }
      if (this.chain === next) this.chain = SETTLED;
    });
    this.chain = next;
  }
}
