import type { DocumentBus, Logger } from "@engunity/core";
import { bufferToVector, type Db } from "@engunity/db";
import { Op } from "sequelize";
import { Bm25Index, fuseHybrid } from "./Bm25Index";
import type { Embedder, VectorIndex, VectorIndexFactory } from "./types";

/** One retrieved passage, numbered as it is shown to the model (`[n]`). */
export interface Passage {
  n: number;
  chunkId: string;
  documentId: string;
  filename: string;
  text: string;
  headingPath: string | null;
  page: number | null;
  lineStart: number | null;
  lineEnd: number | null;
}

export interface Retrieval {
  passages: Passage[];
  /** Names of the session's documents still being indexed (not searchable yet). */
  pending: string[];
}

type ChunkMeta = Omit<Passage, "n">;

/** The cached search state of one session: vector index, BM25, chunk metadata. */
interface SessionIndex {
  vectors: VectorIndex;
  bm25: Bm25Index;
  chunks: Map<string, ChunkMeta>;
  /** Chunk ids per loaded document, to remove a document in one step. */
  byDocument: Map<string, string[]>;
  lastUsed: number;
}

/**
 * Hybrid retrieval for the sessions this process answers in. Each session's index —
 * vectors through the `VectorIndexFactory`, BM25, chunk metadata — is a cache of
 * the database (the source of truth) kept per process: built on a session's first
 * question, then changed by document rather than rebuilt. Every question first reads
 * the session's document list (one indexed query, needed anyway to know what is still
 * processing) and loads or drops documents that differ, so a missed event can never
 * serve stale or foreign chunks; `ready`/`deleted` events on the document bus apply
 * the same change early, on every worker.
 */
export class SessionRetriever {
  private readonly sessions = new Map<string, SessionIndex>();
  /** Per-session serialisation: one load at a time, so two questions do not load twice. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private unsubscribe: (() => Promise<void>) | null = null;

  constructor(
    private readonly db: Db,
    private readonly embedder: Embedder,
    private readonly indexFactory: VectorIndexFactory,
    private readonly logger: Logger,
    private readonly opts: { maxSessions: number } = { maxSessions: 64 },
  ) {}

  /** Listens for document changes from every process. */
  async listen(bus: DocumentBus): Promise<void> {
    this.unsubscribe = await bus.subscribe((event) => {
      if (!this.sessions.has(event.sessionId)) return;
      void this.withLock(event.sessionId, () => this.sync(event.sessionId)).catch((err) =>
        this.logger.warn({ err, sessionId: event.sessionId }, "could not refresh a document index"),
      );
    });
  }

  private withLock<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(sessionId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.locks.set(sessionId, settled);
    void settled.then(() => {
      if (this.locks.get(sessionId) === settled) this.locks.delete(sessionId);
    });
    return run;
  }

  /**
   * Brings the session's cached index in line with its ready documents and returns
   * the documents still processing. Only this session's rows are ever read.
   */
  private async sync(sessionId: string): Promise<{ ready: number; pending: string[] }> {
    const docs = await this.db.models.Document.findAll({
      where: { sessionId, status: { [Op.in]: ["ready", "processing"] } },
      attributes: ["id", "filename", "status", "embedderId"],
    });
    const ready = docs.filter((d) => d.status === "ready" && d.embedderId === this.embedder.id);
    // A ready document embedded by another embedder is not searchable until it is
    // re-ingested (at worker start, or `npm run documents:reindex`): it counts as
    // pending, so the answer says so instead of silently leaving it out.
    const pending = docs
      .filter((d) => d.status === "processing" || d.embedderId !== this.embedder.id)
      .map((d) => d.filename);
    let index = this.sessions.get(sessionId);
    if (!index && ready.length === 0) return { ready: 0, pending };
    if (!index) {
      index = {
        vectors: this.indexFactory(this.embedder.dimensions),
        bm25: new Bm25Index(),
        chunks: new Map(),
        byDocument: new Map(),
        lastUsed: Date.now(),
      };
      this.sessions.set(sessionId, index);
      this.evictBeyondLimit();
    }
    const wanted = new Map(ready.map((d) => [d.id, d.filename]));
    for (const [documentId, ids] of index.byDocument) {
      if (wanted.has(documentId)) continue;
      index.vectors.remove(ids);
      index.bm25.remove(ids);
      for (const id of ids) index.chunks.delete(id);
      index.byDocument.delete(documentId);
    }
    const missing = [...wanted.keys()].filter((id) => !index.byDocument.has(id));
    if (missing.length) await this.load(index, sessionId, missing, wanted);
    return { ready: ready.length, pending };
  }

  private async load(
    index: SessionIndex,
    sessionId: string,
    documentIds: string[],
    filenames: Map<string, string>,
  ): Promise<void> {
    const rows = await this.db.models.DocumentChunk.findAll({
      where: { sessionId, documentId: { [Op.in]: documentIds }, embedderId: this.embedder.id },
      order: [
        ["documentId", "ASC"],
        ["ordinal", "ASC"],
      ],
    });
    const ids: string[] = [];
    const vectors: Float32Array[] = [];
    for (const id of documentIds) index.byDocument.set(id, []);
    for (const row of rows) {
      const vector = bufferToVector(row.vector);
      if (vector.length !== this.embedder.dimensions) continue;
      ids.push(row.id);
      vectors.push(vector);
      index.bm25.add(row.id, row.headingPath ? `${row.headingPath}\n${row.text}` : row.text);
      index.byDocument.get(row.documentId)?.push(row.id);
      index.chunks.set(row.id, {
        chunkId: row.id,
        documentId: row.documentId,
        filename: filenames.get(row.documentId) ?? "",
        text: row.text,
        headingPath: row.headingPath,
        page: row.page,
        lineStart: row.lineStart,
        lineEnd: row.lineEnd,
      });
    }
    index.vectors.add(ids, vectors);
  }

  private evictBeyondLimit(): void {
    while (this.sessions.size > this.opts.maxSessions) {
      let oldest: [string, SessionIndex] | null = null;
      for (const entry of this.sessions)
        if (!oldest || entry[1].lastUsed < oldest[1].lastUsed) oldest = entry;
      if (!oldest) return;
      oldest[1].vectors.dispose();
      this.sessions.delete(oldest[0]);
    }
  }

  /**
   * The `k` passages of this session's ready documents best matching `query`: vector
   * and BM25 hits fused by weighted reciprocal rank (`HYBRID_FUSION`), numbered 1..k.
   */
  async retrieve(sessionId: string, query: string, k: number): Promise<Retrieval> {
    return this.withLock(sessionId, async () => {
      const { ready, pending } = await this.sync(sessionId);
      const index = this.sessions.get(sessionId);
      if (!index || ready === 0 || index.chunks.size === 0) return { passages: [], pending };
      index.lastUsed = Date.now();
      const [vector] = await this.embedder.embed([query]);
      const wide = Math.max(k * 4, 20);
      const fused = fuseHybrid(index.bm25.search(query, wide), index.vectors.search(vector!, wide));
      const passages: Passage[] = [];
      for (const hit of fused) {
        const meta = index.chunks.get(hit.id);
        if (!meta) continue;
        passages.push({ n: passages.length + 1, ...meta });
        if (passages.length === k) break;
      }
      return { passages, pending };
    });
  }

  /** Number of sessions cached, for tests and metrics. */
  get cachedSessions(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    await this.unsubscribe?.();
    for (const index of this.sessions.values()) index.vectors.dispose();
    this.sessions.clear();
  }
}
