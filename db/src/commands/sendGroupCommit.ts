import { createHash } from "node:crypto";
import { isUnavailableError, SendQueueFull } from "../dbErrors";
import type { Db } from "../index";
import { plainStatement } from "../plainStatement";
import { columnsOf, type Inserted, type MessageValues, sqlParts, type Writer } from "./messageRows";

/** One send's write, waiting for its session's statement. */
interface PendingWrite {
  rows: MessageValues[];
  now: Date;
  writer: Writer | undefined;
  settle(outcome: Promise<Inserted>): void;
}

/** Most sends one statement carries. */
const MAX_COALESCED = 64;
/** Most sends of one session waiting behind its statement: more are refused as unavailable. */
const MAX_WAITING = 1024;

/** Per database: the sends waiting behind their session's statement in flight. */
const waitingByDb = new WeakMap<Db, Map<string, PendingWrite[]>>();

/**
 * Group commit, per session (Postgres). Every send's statement updates the session's row
 * (its count and activity), so two sends of one session never run side by side: the
 * second waits on the row lock until the first commits. Instead, while one statement of
 * a session is in flight, further sends of it wait here, and when it ends they all go
 * in one statement (each with its own membership check and `clientId` conflict, one
 * session UPDATE for all), which commits once. A send with no statement in flight for
 * its session goes at once, alone, as before.
 */
export function coalesced(db: Db, write: Omit<PendingWrite, "settle">): Promise<Inserted> {
  let bySession = waitingByDb.get(db);
  if (!bySession) {
    bySession = new Map();
    waitingByDb.set(db, bySession);
  }
  const key = write.rows[0]!.sessionId;
  return new Promise<Inserted>((resolve, reject) => {
    const pending: PendingWrite = { ...write, settle: (o) => o.then(resolve, reject) };
    const waiting = bySession.get(key);
    if (waiting) {
      if (waiting.length >= MAX_WAITING) reject(new SendQueueFull());
      else waiting.push(pending);
      return;
    }
    bySession.set(key, []);
    void drain(db, bySession, key, [pending]);
  });
}

/** Runs `batch`, then whatever waited meanwhile, until nothing waits for the session. */
async function drain(
  db: Db,
  bySession: Map<string, PendingWrite[]>,
  key: string,
  first: PendingWrite[],
): Promise<void> {
  let batch = first;
  while (batch.length > 0) {
    await runBatch(db, batch);
    batch = takeBatch(bySession.get(key)!);
  }
  bySession.delete(key);
}

/**
 * The next statement's sends, oldest first: up to MAX_COALESCED, and never two with one
 * `clientId` (a retry racing its first try goes in the next statement, which meets the
 * stored copy).
 */
function takeBatch(waiting: PendingWrite[]): PendingWrite[] {
  const batch: PendingWrite[] = [];
  const keys = new Set<string>();
  for (let i = 0; i < waiting.length && batch.length < MAX_COALESCED; ) {
    const clientId = waiting[i]!.rows[0]!.clientId;
    if (clientId !== null && keys.has(clientId)) {
      i += 1;
      continue;
    }
    if (clientId !== null) keys.add(clientId);
    batch.push(...waiting.splice(i, 1));
  }
  return batch;
}

/**
 * One statement for the batch. If it fails for a reason of its rows (an id clash, a row
 * that breaks a constraint), each send runs again alone, so the failure is its own
 * send's and no other's.
 */
async function runBatch(db: Db, batch: PendingWrite[]): Promise<void> {
  if (batch.length > 1) {
    try {
      const outcomes = await insertStatement(db, batch);
      for (const [i, w] of batch.entries()) w.settle(Promise.resolve(outcomes[i]!));
      return;
    } catch (err) {
      // The database is away (or the statement's end was lost): the same for each of
      // them, and a rerun could store a send without a clientId twice.
      if (isUnavailableError(err)) {
        for (const w of batch) w.settle(Promise.reject(err));
        return;
      }
    }
  }
  for (const w of batch) {
    const alone = insertStatement(db, [w]).then((outcomes) => outcomes[0]!);
    w.settle(alone);
    await alone.catch(() => {});
  }
}

/**
 * Postgres: one statement for all the sends (data-modifying CTEs). Per send `i`: the
 * `writer`'s membership (`m_i`), its first row only if it may write (`q_i`, `ON CONFLICT
 * (session_id, author_id, client_id) DO NOTHING`), its further rows only when the first went in;
 * then one session UPDATE, only if a row went in, adding every send's rows. The values
 * are bound parameters (`$n`); a lone send's statement is prepared (`plainStatement`):
 * it has one of four shapes (with or without a writer, one or two rows).
 */
async function insertStatement(db: Db, batch: PendingWrite[]): Promise<Inserted[]> {
  const sql = sqlParts(db);
  const bind: unknown[] = [batch[0]!.rows[0]!.sessionId];
  const sid = "$1";
  const param = (value: unknown): string => {
    bind.push(value);
    return `$${bind.length}`;
  };
  const ctes: string[] = [];
  const selects: string[] = [];
  const sendTimes: string[] = [];
  batch.forEach(({ rows, writer }, i) => {
    const tuples = rows.map((r) => columnsOf(db, r));
    const columns = tuples[0]!.fields.map((f) => `"${f}"`).join(", ");
    // Each row's values as parameters (the session's is $1); JSON columns as their text.
    const values = ({ fields, raw }: (typeof tuples)[number]) =>
      raw.map((value, k) =>
        fields[k] === "session_id"
          ? sid
          : param(
              typeof value === "object" && value !== null && !(value instanceof Date)
                ? JSON.stringify(value)
                : value,
            ),
      );
    if (writer) {
      ctes.push(`m_${i} AS (${sql.membership(sid, param(writer.userId))})`);
      selects.push(`(SELECT role::text FROM m_${i}) AS role_${i}`);
    }
    const first = values(tuples[0]!);
    // The send's time: its first row's `updated_at`.
    sendTimes.push(first[tuples[0]!.fields.indexOf("updated_at")]!);
    // With a writer, the row goes in only if the membership, as this statement sees
    // it, may write: a removal committed before it refuses it, whatever was read before.
    ctes.push(
      writer
        ? `q_${i} AS (INSERT INTO chat_messages (${columns}) SELECT ${first.join(", ")} WHERE EXISTS (SELECT 1 FROM m_${i} WHERE role::text = ANY(${param([...writer.roles])}::text[])) ON CONFLICT (session_id, author_id, client_id) DO NOTHING RETURNING id)`
        : `q_${i} AS (INSERT INTO chat_messages (${columns}) SELECT ${first.join(", ")} ON CONFLICT (session_id, author_id, client_id) DO NOTHING RETURNING id)`,
    );
    // One INSERT … SELECT per further row: its parameters take the columns' types
    // (a VALUES list in a subquery would make them text).
    tuples.slice(1).forEach((t, k) => {
      ctes.push(
        `a_${i}_${k} AS (INSERT INTO chat_messages (${columns}) SELECT ${values(t).join(", ")} WHERE EXISTS (SELECT 1 FROM q_${i}) RETURNING id)`,
      );
    });
    selects.push(`(SELECT id::text FROM q_${i}) AS id_${i}`);
  });
  const added =
    batch.length === 1
      ? `${batch[0]!.rows.length}`
      : `(${batch.map((w, i) => `(SELECT count(*) FROM q_${i}) * ${w.rows.length}`).join(" + ")})`;
  const anyIn = batch.map((_, i) => `EXISTS (SELECT 1 FROM q_${i})`).join(" OR ");
  // The session's activity: the time of the last send that went in.
  const at =
    batch.length === 1
      ? `${sendTimes[0]}::timestamptz`
      : `(CASE ${sendTimes
          .map((t, i) => `WHEN EXISTS (SELECT 1 FROM q_${i}) THEN ${t}::timestamptz`)
          .reverse()
          .join(" ")} END)`;
  ctes.push(`u AS (${sql.updateSession(sid, added, at)} AND (${anyIn}) RETURNING message_count)`);
  const text = `WITH ${ctes.join(", ")} SELECT ${selects.join(", ")}, (SELECT message_count::int8 FROM u) AS message_count`;
  const name =
    batch.length === 1
      ? `send_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`
      : undefined;
  const [result] = await plainStatement<Record<string, string | number | null>>(db, text, bind, {
    name,
    write: true,
  });
  // The count after each send: the final one less what the later sends added.
  let count = Number(result?.message_count);
  const outcomes: Inserted[] = [];
  for (let i = batch.length - 1; i >= 0; i -= 1) {
    const { rows, writer } = batch[i]!;
    const role = (result?.[`role_${i}`] as string | null | undefined) ?? null;
    if (writer && !(role !== null && writer.roles.includes(role))) {
      outcomes[i] = { refused: true, role };
    } else if (!result?.[`id_${i}`]) {
      outcomes[i] = { inserted: false };
    } else {
      outcomes[i] = { inserted: true, messageCount: count };
      count -= rows.length;
    }
  }
  return outcomes;
}
