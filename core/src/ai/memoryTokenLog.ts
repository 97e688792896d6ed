import type { GenerationSnapshot } from "@engunity/shared";
import type { TokenEntry, TokenLog } from "./types";

interface Generation {
  sessionId: string;
  epoch: number;
  entries: TokenEntry[];
  running: boolean;
  provider?: string;
  model?: string;
  expires?: NodeJS.Timeout;
}

/** How long a finished generation's log stays readable for late `ai:resume` calls. */
const KEEP_AFTER_FINISH_MS = 60_000;

/** The embedded resume log: one array per generation, kept in this process. */
export class MemoryTokenLog implements TokenLog {
  private readonly gens = new Map<string, Generation>();

  constructor(private readonly maxEntries = 20_000) {}

  async begin(messageId: string, sessionId: string): Promise<number> {
    const prev = this.gens.get(messageId);
    if (prev?.expires) clearTimeout(prev.expires);
    const epoch = (prev?.epoch ?? 0) + 1;
    this.gens.set(messageId, { sessionId, epoch, entries: [], running: true });
    return epoch;
  }

  async label(messageId: string, epoch: number, provider: string, model: string): Promise<void> {
    const gen = this.gens.get(messageId);
    if (!gen || gen.epoch !== epoch) return;
    gen.provider = provider;
    gen.model = model;
  }

  async append(messageId: string, entry: TokenEntry): Promise<boolean> {
    const gen = this.gens.get(messageId);
    if (!gen || gen.epoch !== entry.epoch) return false;
    gen.entries.push(entry);
    if (gen.entries.length > this.maxEntries) gen.entries.shift();
    return true;
  }

  async read(messageId: string, afterSeq: number) {
    const gen = this.gens.get(messageId);
    if (!gen) return null;
    return {
      epoch: gen.epoch,
      deltas: gen.entries.filter((e) => e.seq > afterSeq).map(({ seq, text }) => ({ seq, text })),
    };
  }

  async running(sessionId: string): Promise<GenerationSnapshot[]> {
    const out: GenerationSnapshot[] = [];
    for (const [messageId, gen] of this.gens) {
      if (!gen.running || gen.sessionId !== sessionId) continue;
      out.push({
        messageId,
        epoch: gen.epoch,
        seq: gen.entries.at(-1)?.seq ?? 0,
        text: gen.entries.map((e) => e.text).join(""),
        ...(gen.provider ? { provider: gen.provider, model: gen.model } : {}),
      });
    }
    return out;
  }

  async finish(messageId: string): Promise<void> {
    const gen = this.gens.get(messageId);
    if (!gen) return;
    gen.running = false;
    gen.expires = setTimeout(() => this.gens.delete(messageId), KEEP_AFTER_FINISH_MS).unref();
  }

  async close(): Promise<void> {
    for (const gen of this.gens.values()) if (gen.expires) clearTimeout(gen.expires);
    this.gens.clear();
  }
}
