import type { GenerationBus, GenerationEvent, GenerationListener } from "./types";

/** The embedded generation bus: listeners in this process, a set of cancelled ids. */
export class MemoryGenerationBus implements GenerationBus {
  private readonly listeners = new Map<string, Set<GenerationListener>>();
  private readonly cancelled = new Set<string>();

  async cancel(messageId: string): Promise<void> {
    this.cancelled.add(messageId);
    // Forget after an hour so a long-running process does not grow without bound.
    setTimeout(() => this.cancelled.delete(messageId), 3_600_000).unref();
    this.dispatch({ type: "cancel", messageId });
  }

  async isCancelled(messageId: string): Promise<boolean> {
    return this.cancelled.has(messageId);
  }

  async publish(event: Exclude<GenerationEvent, { type: "cancel" }>): Promise<void> {
    this.dispatch(event);
  }

  async subscribe(messageId: string, listener: GenerationListener) {
    let set = this.listeners.get(messageId);
    if (!set) {
      set = new Set();
      this.listeners.set(messageId, set);
    }
    set.add(listener);
    return async () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(messageId) === set) this.listeners.delete(messageId);
    };
  }

  private dispatch(event: GenerationEvent): void {
    for (const listener of this.listeners.get(event.messageId) ?? []) listener(event);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
