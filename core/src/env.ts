import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";

/**
 * The one validated configuration of a process (PROTOCOL.md "Configuration").
 * Nothing else in the code base reads `process.env`.
 */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must start with postgres://")
    .optional(),
  /** `transaction` behind PgBouncer's or Supavisor's transaction mode (see db's `pooler`). */
  DATABASE_POOLER: z.enum(["session", "transaction"]).default("session"),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must start with redis://")
    .optional(),
  /** Prefix of every Redis key and channel, so several deployments (or test runs) can share one Redis. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:-]{1,64}$/, "letters, digits, _ : - only")
    .default("engunity"),
  ROLE: z.enum(["all", "realtime", "worker"]).default("all"),
  SECRET_KEY: z
    .string()
    .min(32, "must be at least 32 characters")
    .refine(
      (key) => secretEntropyBits(key) >= 96,
      "is too predictable (repeated or patterned characters): use 32 random bytes, e.g. `openssl rand -hex 32`",
    )
    .optional(),
  /**
   * Bearer token `/metrics` requires. Unset: `/metrics` answers only loopback clients
   * (Prometheus beside the node), never what comes through a proxy.
   */
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /** Access tokens are short-lived; clients renew them with the refresh token. */
  ACCESS_TOKEN_EXPIRE_MINUTES: z.coerce.number().int().min(1).default(15),
  /** A login session (and its refresh tokens) ends after this many days without a refresh. */
  REFRESH_TOKEN_EXPIRE_DAYS: z.coerce.number().min(0.001).max(365).default(30),
  ALLOWED_ORIGINS: z.string().optional(),
  PUBLIC_URL: z.url().optional(),
  /**
   * Which proxies' X-Forwarded-For to believe for the client IP (rate limits key on it):
   * Express's `trust proxy` value — `loopback`, `uniquelocal` (private networks, as in
   * docker-compose), a hop count, or a comma list of addresses/CIDRs.
   */
  TRUST_PROXY: z
    .string()
    .regex(/^[A-Za-z0-9.:/, ]+$/, "must be loopback, uniquelocal, a hop count or addresses")
    .default("loopback"),
  GROQ_API_KEY: z.string().min(1).optional(),
  GROQ_BASE_URL: z.url().optional(),
  GROQ_MODEL: z.string().min(1).default("llama-3.3-70b-versatile"),
  LLM_MODEL_PATH: z.string().min(1).optional(),
  PHI2_LOCAL_PATH: z.string().min(1).optional(),
  LLM_THREADS: z.coerce.number().int().min(1).optional(),
  OPENAI_BASE_URL: z.url().optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_MODEL: z.string().min(1).optional(),
  AI_PROVIDER_ORDER: z
    .string()
    .regex(
      /^\s*(groq|local|openai|offline)(\s*,\s*(groq|local|openai|offline))*\s*$/,
      "must be a comma list of groq, local, openai, offline",
    )
    .default("groq,local,openai,offline"),
  /** Until an HTTP provider's response starts (headers), per attempt (ms). */
  AI_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(50).default(5_000),
  /** Until a provider's first token, per attempt (ms); the local model may override it. */
  AI_FIRST_TOKEN_TIMEOUT_MS: z.coerce.number().int().min(50).default(20_000),
  /** Whole answer from one provider (ms). */
  AI_TIMEOUT_MS: z.coerce.number().int().min(100).default(120_000),
  /** Per-provider overrides of the two timeouts above. */
  GROQ_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(50).optional(),
  GROQ_FIRST_TOKEN_TIMEOUT_MS: z.coerce.number().int().min(50).optional(),
  OPENAI_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(50).optional(),
  OPENAI_FIRST_TOKEN_TIMEOUT_MS: z.coerce.number().int().min(50).optional(),
  /** The local model loads on its first answer, so its first token may take longer. */
  LLM_FIRST_TOKEN_TIMEOUT_MS: z.coerce.number().int().min(50).default(120_000),
  /**
   * The longest `retry-after` worth waiting for on the same provider, and only when no
   * other real provider is left; a longer one skips the provider until it has passed.
   */
  AI_RETRY_AFTER_MAX_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** Failures in a row that open a provider's circuit breaker. */
  AI_BREAKER_FAILURES: z.coerce.number().int().min(1).default(3),
  /** How long an open breaker skips its provider before one probe is let through (ms). */
  AI_BREAKER_COOLDOWN_MS: z.coerce.number().int().min(100).default(30_000),
  /** How long a provider's model list (`GET /models`) is cached (s). */
  AI_MODELS_TTL_SECONDS: z.coerce.number().int().min(1).default(300),
  /** The `quality` preference's model, as `provider:model` (default: Groq's GROQ_MODEL). */
  AI_QUALITY_MODEL: z
    .string()
    .regex(/^(groq|local|openai):.+$/, "must be provider:model, e.g. groq:llama-3.3-70b-versatile")
    .optional(),
  /** Inference jobs one worker process runs at once. */
  AI_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  /** How long tokens are coalesced into one `ai:delta` batch (ms). */
  AI_BATCH_MS: z.coerce.number().int().min(1).max(1000).default(30),
  /** Token budget of the conversation history sent to the model. */
  AI_CONTEXT_TOKENS: z.coerce.number().int().min(256).default(3000),
  /** Most tokens one answer may generate. */
  AI_MAX_TOKENS: z.coerce.number().int().min(1).default(1024),
  /** BullMQ lock of a running job (ms); a worker silent this long counts as dead. Lower only in tests. */
  AI_STALL_MS: z.coerce.number().int().min(200).default(30_000),
  /** ROLE=worker: port of the worker's own `/metrics` (Prometheus); unset = none. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** AI requests per user per minute before `rate_limited`. */
  AI_RATE_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  /** Tokens (prompt + completion) one user may spend per UTC day; 0 = unlimited. */
  AI_DAILY_TOKEN_QUOTA: z.coerce.number().int().min(0).default(200_000),
  /**
   * Prices for the admin dashboard's cost columns: inline JSON or the path of a JSON
   * file, `{"provider/model" or "model": {"prompt": USD per 1M, "completion": USD per 1M}}`.
   */
  AI_PRICES: z.string().min(1).optional(),
  /** Days recorded failure events (auth failures, DB errors, AI failures) are kept. */
  EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  EMBEDDINGS_MODEL_PATH: z.string().min(1).optional(),
  UPLOAD_DIR: z.string().min(1).optional(),
  MAX_UPLOAD_SIZE_MB: z.coerce.number().positive().max(1024).default(10),
  /** Bytes of documents one user may keep stored, in MB; 0 = unlimited. */
  UPLOAD_QUOTA_MB: z.coerce.number().min(0).default(200),
  /** Ingest jobs one worker process runs at once (apart from AI_CONCURRENCY). */
  INGEST_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Passages retrieved into the prompt of a question in a session with documents. */
  RETRIEVAL_TOP_K: z.coerce.number().int().min(1).max(50).default(6),
  SUPABASE_URL: z.url().optional(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(1).optional(),
  SUPABASE_BUCKET: z.string().min(1).default("documents"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** scrypt cost (log2 N). Lower only in tests. */
  PASSWORD_HASH_COST: z.coerce.number().int().min(10).max(20).default(15),
  /** Login attempts per (IP, login) per 15 minutes before `rate_limited`. */
  LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  /** Login attempts per IP per minute, whatever the login, checked before any hashing. */
  LOGIN_IP_RATE_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  /** Password hashes (scrypt) computed at once; more wait in a queue. Defaults to half the libuv pool. */
  PASSWORD_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  /** REST writes (create, rename, members, invites, tickets…) per user per minute. */
  WRITE_RATE_PER_MINUTE: z.coerce.number().int().min(1).default(120),
  /** Socket/REST writes per user per second before `rate_limited`. */
  MESSAGE_RATE_PER_SECOND: z.coerce.number().positive().default(5),
  /** Lifetime of a single-use Yjs connection ticket, in seconds (fractions allowed; lower only in tests). */
  YJS_TICKET_TTL_SECONDS: z.coerce.number().positive().max(3600).default(60),
  /** Largest Yjs websocket frame accepted; a bigger one closes the connection. */
  YJS_MAX_FRAME_BYTES: z.coerce.number().int().min(1024).default(1_000_000),
  /** Largest encoded state of one Yjs doc; updates that would grow it past this are refused. */
  YJS_MAX_DOC_BYTES: z.coerce.number().int().min(16_384).default(1_000_000),
  /** Document updates one Yjs connection may send per second (burst twice that). */
  YJS_UPDATES_PER_SECOND: z.coerce.number().int().min(1).default(40),
  /** Stored update rows of one Yjs doc before they are merged into one. */
  YJS_COMPACT_AFTER_ROWS: z.coerce.number().int().min(2).default(100),
  /** Lifetime of a widget token (the embed asks the host for a new one before it ends); fractions allowed. */
  WIDGET_TOKEN_TTL_MINUTES: z.coerce
    .number()
    .positive()
    .max(24 * 60)
    .default(15),
  /**
   * On SIGTERM: how long a worker lets running answers finish before it hands them back
   * to the queue, and how long a realtime node waits for open HTTP requests (SSE) to end.
   */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /**
   * On SIGTERM a realtime node first answers readiness with 503 and keeps serving this
   * long, for load balancers that poll `/health/ready`; then it stops accepting.
   */
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(120_000).default(0),
});

export type RawEnv = z.infer<typeof envSchema>;

const priceTableSchema = z.record(
  z.string().min(1),
  z.object({ prompt: z.number().min(0), completion: z.number().min(0) }),
);
/** USD per million tokens by `provider/model` or `model`. */
export type PriceTable = z.infer<typeof priceTableSchema>;

function loadPrices(value: string | undefined): PriceTable | undefined {
  if (!value) return undefined;
  const inline = value.trim().startsWith("{");
  let raw: unknown;
  try {
    raw = JSON.parse(inline ? value : readFileSync(resolve(value), "utf8"));
  } catch (err) {
    throw new ConfigError(
      `Invalid configuration: AI_PRICES ${inline ? "is not valid JSON" : `file cannot be read as JSON (${(err as Error).message})`}`,
    );
  }
  const parsed = priceTableSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(
      `Invalid configuration: AI_PRICES at "${issue.path.join(".")}" ${issue.message} (want {"model": {"prompt": 0.5, "completion": 1.5}})`,
    );
  }
  return parsed.data;
}

export interface Config
  extends Omit<RawEnv, "SECRET_KEY" | "ALLOWED_ORIGINS" | "UPLOAD_DIR" | "AI_PRICES"> {
  SECRET_KEY: string;
  ALLOWED_ORIGINS: string[];
  UPLOAD_DIR: string;
  /** Absolute DATA_DIR. */
  dataDir: string;
  /** Where SQLite lives in embedded mode. */
  sqlitePath: string;
  /** `LLM_MODEL_PATH`, or its alias `PHI2_LOCAL_PATH`. */
  llmModelPath?: string;
  mode: "embedded" | "scaled";
  /** `AI_PRICES`, parsed (undefined: costs are not shown). */
  aiPrices?: PriceTable;
}

/**
 * Shannon entropy of the key's characters times its length: a crude lower bound on
 * guessing work that catches `aaaa…`, `abcabc…` and dictionary-like keys while any
 * hex or base64 output of a random generator (≥ 32 characters) passes easily.
 */
export function secretEntropyBits(key: string): number {
  const counts = new Map<string, number>();
  for (const c of key) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) {
    const p = n / key.length;
    perChar -= p * Math.log2(p);
  }
  // A key made of a short repeated pattern has little more entropy than the pattern.
  for (let period = 1; period <= key.length / 2; period++) {
    if (key.slice(period) === key.slice(0, key.length - period)) {
      return perChar * period;
    }
  }
  return perChar * key.length;
}

/** Raised for bad configuration; its message is the one line start-up prints. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

function loadOrCreateSecret(dataDir: string): string {
  const file = join(dataDir, "secret.key");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString("hex");
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return secret;
}

/**
 * Validates `source` (normally `process.env`) into a Config. Empty strings count as
 * unset, so a copied `.env.example` works as it is.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(([, v]) => v !== undefined && v.trim() !== ""),
  );
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Invalid configuration: ${String(issue.path[0])} ${issue.message}`);
  }
  const env = parsed.data;
  if (env.DATABASE_URL && !env.SECRET_KEY) {
    throw new ConfigError(
      "Invalid configuration: SECRET_KEY is required when DATABASE_URL is set (at least 32 random characters)",
    );
  }
  if (env.ROLE !== "all" && !env.REDIS_URL) {
    throw new ConfigError(
      `Invalid configuration: ROLE=${env.ROLE} needs REDIS_URL (nodes talk through Redis)`,
    );
  }
  const dataDir = resolve(env.DATA_DIR);
  const origins = (env.ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((o) => o.trim().replace(/\/$/, ""))
    .filter(Boolean);
  for (const origin of origins) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) {
      throw new ConfigError(
        `Invalid configuration: ALLOWED_ORIGINS entry "${origin}" is not an origin like https://app.example.com`,
      );
    }
  }
  const { SECRET_KEY, ALLOWED_ORIGINS: _origins, UPLOAD_DIR, AI_PRICES, ...rest } = env;
  return {
    ...rest,
    SECRET_KEY: SECRET_KEY ?? loadOrCreateSecret(dataDir),
    ALLOWED_ORIGINS: origins,
    UPLOAD_DIR: resolve(UPLOAD_DIR ?? join(dataDir, "uploads")),
    dataDir,
    sqlitePath: join(dataDir, "engunity.sqlite"),
    llmModelPath: env.LLM_MODEL_PATH ?? env.PHI2_LOCAL_PATH,
    mode: env.DATABASE_URL ? "scaled" : "embedded",
    aiPrices: loadPrices(AI_PRICES),
  };
}
