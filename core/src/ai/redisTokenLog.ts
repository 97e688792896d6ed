import type { GenerationSnapshot } from "@engunity/shared";
import type { Redis } from "ioredis";
import { type RedisKeys, redisKeys } from "../redisKeys";
import type { TokenEntry, TokenLog } from "./types";

// Bumps the epoch and clears the previous run's entries and label in one step, so a reader never
// sees old text under a new epoch.
const BEGIN = `
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HSET', KEYS[1], 'sessionId', ARGV[1])
redis.call('HDEL', KEYS[1], 'provider', 'model')
redis.call('DEL', KEYS[2])
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[3])
return epoch`;

// Refuses an append from a run that is no longer current (a stalled worker that woke up).
const APPEND = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'e', ARGV[1], 's', ARGV[2], 't', ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1`;

// The label of the current run only (a stalled worker that woke up is not the writer).
const LABEL = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'provider', ARGV[2], 'model', ARGV[3])
return 1`;

/**
 * The scaled resume log: a Redis Stream per generation (MAXLEN, TTL), a hash with its
 * current epoch, and a set of the running generations of each session.
 */
export class RedisTokenLog implements TokenLog {
  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly opts: {
      maxLen: number;
      ttlSeconds: number;
      keepAfterFinishSeconds: number;
    } = {
      maxLen: 20_000,
      ttlSeconds: 3600,
      keepAfterFinishSeconds: 120,
    },
  ) {
    this.keys = redisKeys(prefix);
  }

  /** Built once: `redisKeys` makes a fresh object per call (it was on every join's path). */
  private readonly keys: RedisKeys;
  private meta = (id: string) => this.keys.aiGeneration(id);
  private stream = (id: string) => this.keys.aiLog(id);
  private runningSet = (sessionId: string) => this.keys.aiRunning(sessionId);

  async begin(messageId: string, sessionId: string): Promise<number> {
    const epoch = await this.redis.eval(
      BEGIN,
      3,
      this.meta(messageId),
      this.stream(messageId),
      this.runningSet(sessionId),
      sessionId,
      messageId,
      String(this.opts.ttlSeconds),
    );
    return Number(epoch);
  }

  async label(messageId: string, epoch: number, provider: string, model: string): Promise<void> {
    await this.redis.eval(LABEL, 1, this.meta(messageId), String(epoch), provider, model);
  }

  async append(messageId: string, entry: TokenEntry): Promise<boolean> {
    const ok = await this.redis.eval(
      APPEND,
      2,
      this.meta(messageId),
      this.stream(messageId),
      String(entry.epoch),
      String(entry.seq),
      entry.text,
      String(this.opts.maxLen),
      String(this.opts.ttlSeconds),
    );
    return Number(ok) === 1;
  }

  async read(messageId: string, afterSeq: number) {
    const [epochRaw, rows] = await Promise.all([
      this.redis.hget(this.meta(messageId), "epoch"),
      this.redis.xrange(this.stream(messageId), "-", "+"),
    ]);
    if (epochRaw === null) return null;
    const epoch = Number(epochRaw);
    const deltas: { seq: number; text: string }[] = [];
    for (const [, fields] of rows) {
      const f = toRecord(fields);
      const seq = Number(f.s);
      if (Number(f.e) === epoch && seq > afterSeq) deltas.push({ seq, text: f.t ?? "" });
    }
    return { epoch, deltas };
  }

  async running(sessionId: string): Promise<GenerationSnapshot[]> {
    const ids = await this.redis.smembers(this.runningSet(sessionId));
    const out: GenerationSnapshot[] = [];
    for (const messageId of ids) {
      const [log, [provider, model]] = await Promise.all([
        this.read(messageId, 0),
        this.redis.hmget(this.meta(messageId), "provider", "model"),
      ]);
      if (!log) continue;
      out.push({
        messageId,
        epoch: log.epoch,
        seq: log.deltas.at(-1)?.seq ?? 0,
        text: log.deltas.map((d) => d.text).join(""),
        ...(provider ? { provider, model: model ?? "" } : {}),
      });
    }
    return out;
  }

  async finish(messageId: string, sessionId: string): Promise<void> {
    const keep = String(this.opts.keepAfterFinishSeconds);
    await this.redis
      .multi()
      .srem(this.runningSet(sessionId), messageId)
      .expire(this.meta(messageId), keep)
      .expire(this.stream(messageId), keep)
      .exec();
  }

  async close(): Promise<void> {}
}

function toRecord(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]!] = fields[i + 1]!;
  return out;
}
