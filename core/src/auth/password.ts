import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { availableParallelism } from "node:os";
import { rateLimited } from "../errors";

/**
 * Password hashing with scrypt (memory-hard; in Node's standard library). The stored
 * form carries its parameters — `scrypt$<log2N>$<r>$<p>$<salt>$<hash>` — so the cost
 * can be raised later without breaking existing hashes.
 */
const R = 8;
const P = 1;
const KEY_LEN = 32;

/**
 * scrypt runs on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says
 * otherwise), which SQLite, file I/O and DNS share. Unbounded, a login flood fills
 * every thread with hashing and everyone else's reads wait behind it (finding 1:
 * 13.7 s for a bystander's `GET /chat/`). So at most half the pool (and one core
 * fewer than the machine has) hashes at once,
 * and a bounded queue holds the rest; past it, logins answer 429 at once (no hashing,
 * no waiting).
 */
const POOL = Number(process.env.UV_THREADPOOL_SIZE) || 4;
// And never every core: a hash is pure CPU, and the event loop needs one to answer others.
let limit = Math.max(1, Math.min(Math.floor(POOL / 2), availableParallelism() - 1));
/** Waiters per running slot: at ~100 ms a hash, a full queue is a wait of about 1.6 s. */
const QUEUE_PER_SLOT = 16;
let running = 0;
const waiting: (() => void)[] = [];

/** Sets how many hashes may run at once (config `PASSWORD_HASH_CONCURRENCY`). */
export function setPasswordHashConcurrency(n: number): void {
  limit = Math.max(1, Math.floor(n));
}

/** Hashes running and waiting now (for tests and metrics). */
export function passwordHashLoad(): { running: number; waiting: number; limit: number } {
  return { running, waiting: waiting.length, limit };
}

async function bounded<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= limit) {
    if (waiting.length >= QUEUE_PER_SLOT * limit) throw rateLimited(1);
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running += 1;
  }
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    // The slot passes straight to the next waiter, so `running` stays as it is.
    if (next) next();
    else running -= 1;
  }
}

/**
 * How long one hash takes here, lately (an average over the last real hashes, queue
 * wait excluded). A login for an account that does not exist spends this long holding
 * a hashing slot on a timer instead of hashing (`verifyUnknownAccount`).
 */
let typicalHashMs: number | undefined;
function noteHashTime(ms: number): void {
  typicalHashMs = typicalHashMs === undefined ? ms : typicalHashMs * 0.8 + ms * 0.2;
}

function derive(
  password: string,
  salt: Buffer,
  logN: number,
  r: number,
  p: number,
): Promise<Buffer> {
  return bounded(async () => {
    const started = performance.now();
    const key = await deriveNow(password, salt, logN, r, p);
    noteHashTime(performance.now() - started);
    return key;
  });
}

function deriveNow(
  password: string,
  salt: Buffer,
  logN: number,
  r: number,
  p: number,
): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LEN, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string, logN: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, logN, R, P);
  return `scrypt$${logN}$${R}$${P}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, logN, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !logN || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const key = await derive(
    password,
    Buffer.from(salt, "base64"),
    Number(logN),
    Number(r),
    Number(p),
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of a random password: the one real hash an unknown login may cost (see below). */
let dummyHash: Promise<string> | undefined;
function dummyPasswordHash(logN: number): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString("hex"), logN);
  return dummyHash;
}

/**
 * The answer for a login naming no account, without hashing: it queues for a hashing
 * slot like a real check and holds it for as long as a real hash takes lately, on a
 * timer. So its timing (queue and all) matches a wrong password for a real account,
 * and a flood of made-up names costs no CPU and no thread-pool thread (finding 1).
 * Until a real hash has been timed, it hashes once against a dummy to learn the time.
 */
export async function verifyUnknownAccount(password: string, logN: number): Promise<false> {
  if (typicalHashMs === undefined) {
    await verifyPassword(password, await dummyPasswordHash(logN));
    return false;
  }
  const ms = typicalHashMs;
  await bounded(() => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return false;
}

/** For tests: forget the learnt hash time. */
export function resetPasswordHashTiming(): void {
  typicalHashMs = undefined;
}
