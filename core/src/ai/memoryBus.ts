import type { Stopper } from "@engunity/shared";
import type { GenerationBus, GenerationEvent, GenerationListener } from "./types";

/** The embedded generation bus: listeners in this process, a set of cancelled ids. */
export class MemoryGenerationBus implements GenerationBus {
  private readonly listeners = new Map<string, Set<GenerationListener>>();
  private readonly stops = new Map<string, { by?: Stopper }>();

  async cancel(messageId: string, by?: Stopper): Promise<void> {
    // The first stop is the one that counts (the worker may have seen it already).
    if (!this.stops.has(messageId)) {
      this.stops.set(messageId, by ? { by } : {});
      // Forget after an hour so a long-running process does not grow without bound.
      setTimeout(() => this.stops.delete(messageId), 3_600_000).unref();
    }
    this.dispatch({ type: "cancel", messageId, ...(by ? { by } : {}) });
  }

  async cancelled(messageId: string): Promise<{ by?: Stopper } | null> {
    return this.stops.get(messageId) ?? null;
  }

  async forget(messageId: string): Promise<void> {
    this.stops.delete(messageId);
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
