import type { SessionRole } from "@engunity/shared";
import { QueryTypes } from "sequelize";
import type { Db } from "../index";
import { plainRead } from "../plainStatement";

/**
 * The reads every live connection makes (a Socket.IO handshake, then its connect), as
 * plain statements: they run once per connect, and a reconnect storm after a node goes
 * away is thousands at once. A model read (`findByPk`, `findAll`) costs two to three
 * times the CPU of the statement itself in query building and instance building
 * (issue 16: 150 µs for a full user row vs 50 µs).
 */

/**
 * A date as Sequelize stores a DATE column (`2026-12-02 16:08:17.123 +00:00`): SQLite
 * compares the stored text, so a bound date must have the same shape; Postgres reads
 * it as a timestamptz. (Formatting a Date through Sequelize costs a moment() per call.)
 */
function storedDate(date: Date): string {
  return `${date.toISOString().replace("T", " ").replace("Z", "")} +00:00`;
}

/** Whether the user exists and is active: read fresh at every handshake, never cached. */
export async function isUserActive(db: Db, userId: string): Promise<boolean> {
  const rows = await plainRead<{ active: unknown }>(
    db,
    "SELECT is_active AS active FROM users WHERE id = $1",
    [userId],
  );
  // Postgres answers a boolean, SQLite 1 or 0.
  return rows.length > 0 && Boolean(rows[0]!.active);
}

/** The sessions a user is a member of (their sockets' watch rooms). */
export async function memberSessionIds(db: Db, userId: string): Promise<string[]> {
  const rows = await plainRead<{ id: string }>(
    db,
    "SELECT session_id AS id FROM session_members WHERE user_id = $1",
    [userId],
  );
  return rows.map((r) => r.id);
}

/** What a handshake reads of a user token's login (see `loginLiveness`). */
export interface LoginLiveness {
  /** The user exists and is active. */
  active: boolean;
  /** The login session is the user's, not revoked and not expired. */
  live: boolean;
  /** The sessions the user is a member of (their sockets' watch rooms). */
  sessionIds: string[];
}

/**
 * A user token's login, read fresh in one statement: whether the user exists and is
 * active, whether its login session (the token's `jti`) is theirs, not revoked and not
 * expired, and the sessions the user is a member of (one row each, or one row with no
 * session). A handshake needs all three, and a reconnect storm is one of these per socket.
 *
 * On Postgres the reads asked for while one is on its way go out together, as one
 * statement for all of them (`loginBatches`): each is still read after it was asked
 * for, so none answers from before a revocation that came earlier.
 */
export function loginLiveness(
  db: Db,
  userId: string,
  loginSessionId: string,
): Promise<LoginLiveness> {
  // A malformed id is not live; it must not reach the batch (Postgres would refuse the
  // whole statement for it).
  if (!UUID.test(userId) || !UUID.test(loginSessionId)) {
    return Promise.resolve({ active: false, live: false, sessionIds: [] });
  }
  if (db.dialect !== "postgres") return loginLivenessOne(db, userId, loginSessionId);
  let batches = loginBatches.get(db);
  if (!batches) {
    batches = createLoginBatches(db);
    loginBatches.set(db, batches);
  }
  return batches.read(userId, loginSessionId);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One login's read, alone (SQLite: embedded mode, one node, no storm to coalesce). */
async function loginLivenessOne(
  db: Db,
  userId: string,
  loginSessionId: string,
): Promise<LoginLiveness> {
  const rows = await plainRead<{ active: unknown; live: unknown; session: string | null }>(
    db,
    `SELECT u.is_active AS active,
            (ls.id IS NOT NULL AND ls.revoked_at IS NULL AND ls.expires_at > $3) AS live,
            sm.session_id AS session
       FROM users u
       LEFT JOIN login_sessions ls ON ls.id = $2 AND ls.user_id = u.id
       LEFT JOIN session_members sm ON sm.user_id = u.id
      WHERE u.id = $1`,
    [userId, loginSessionId, storedDate(new Date())],
  );
  const row = rows[0];
  const sessionIds: string[] = [];
  for (const r of rows) if (r.session) sessionIds.push(r.session);
  return { active: !!row && Boolean(row.active), live: !!row && Boolean(row.live), sessionIds };
}

/**
 * At most this many batch statements at once per database (the pool has 10 connections
 * for everything else too); while they are out, new reads wait and go in the next one.
 */
const LOGIN_BATCHES_IN_FLIGHT = 2;
/** At most this many logins in one statement. */
const LOGIN_BATCH_MAX = 256;

interface LoginBatches {
  read(userId: string, loginSessionId: string): Promise<LoginLiveness>;
}
interface PendingLogin {
  userId: string;
  loginSessionId: string;
  resolve(read: LoginLiveness): void;
  reject(err: unknown): void;
}
const loginBatches = new WeakMap<Db, LoginBatches>();

/**
 * Coalesces the logins read in a loop turn (and while `LOGIN_BATCHES_IN_FLIGHT`
 * statements are out) into one statement: a reconnect storm's handshakes cost one round
 * trip, one pooled client and one result per batch instead of per socket (issue 16).
 * A lone handshake waits only for the end of its loop turn.
 */
function createLoginBatches(db: Db): LoginBatches {
  let pending: PendingLogin[] = [];
  let inFlight = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    while (pending.length > 0 && inFlight < LOGIN_BATCHES_IN_FLIGHT) {
      const batch = pending.slice(0, LOGIN_BATCH_MAX);
      pending = pending.slice(batch.length);
      inFlight += 1;
      readLogins(db, batch)
        .then(
          (reads) => {
            for (const [i, p] of batch.entries()) p.resolve(reads[i]!);
          },
          (err: unknown) => {
            for (const p of batch) p.reject(err);
          },
        )
        .finally(() => {
          inFlight -= 1;
          flush();
        });
    }
  };
  return {
    read(userId, loginSessionId) {
      return new Promise((resolve, reject) => {
        pending.push({ userId, loginSessionId, resolve, reject });
        if (!scheduled && inFlight < LOGIN_BATCHES_IN_FLIGHT) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}

/** Many logins' reads in one statement (Postgres), answered in the order asked. */
async function readLogins(db: Db, logins: PendingLogin[]): Promise<LoginLiveness[]> {
  const rows = await plainRead<{
    i: number;
    active: boolean;
    live: boolean;
    session: string | null;
  }>(
    db,
    `SELECT q.i::int AS i, u.is_active AS active,
            (ls.id IS NOT NULL AND ls.revoked_at IS NULL AND ls.expires_at > $3) AS live,
            sm.session_id AS session
       FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS q(user_id, login_id, i)
       JOIN users u ON u.id = q.user_id
       LEFT JOIN login_sessions ls ON ls.id = q.login_id AND ls.user_id = u.id
       LEFT JOIN session_members sm ON sm.user_id = u.id`,
    [logins.map((l) => l.userId), logins.map((l) => l.loginSessionId), storedDate(new Date())],
  );
  // No row for a user that does not exist: not live.
  const reads: LoginLiveness[] = logins.map(() => ({ active: false, live: false, sessionIds: [] }));
  for (const r of rows) {
    const read = reads[r.i - 1]!;
    read.active = r.active;
    read.live = r.live;
    if (r.session) read.sessionIds.push(r.session);
  }
  return reads;
}

/** Notes "last seen" on many login sessions at once (batched by the revocation cache). */
export async function noteLoginsSeen(db: Db, loginSessionIds: string[], at: Date): Promise<void> {
  if (loginSessionIds.length === 0) return;
  await db.models.LoginSession.update(
    { lastSeenAt: at },
    { where: { id: loginSessionIds }, hooks: false },
  );
}

/** A user's role in a session, or null when they are not a member (a socket's join). */
export async function memberRole(
  db: Db,
  userId: string,
  sessionId: string,
): Promise<SessionRole | null> {
  const rows = await db.sequelize.query<{ role: SessionRole }>(
    "SELECT role FROM session_members WHERE session_id = $1 AND user_id = $2",
    { type: QueryTypes.SELECT, bind: [sessionId, userId] },
  );
  return rows[0]?.role ?? null;
}
