import { createHash, randomUUID } from "node:crypto";
import type { MessageMetadata, MessageRole, MessageStatus } from "@engunity/shared";
import { QueryTypes } from "sequelize";
import { isUnavailableError, isUniqueViolation, SendQueueFull } from "../dbErrors";
import type { Db } from "../index";
import type { ChatMessage } from "../models/ChatMessage";
import type { User } from "../models/User";
import { plainStatement } from "../plainStatement";

export interface NewMessage {
  sessionId: string;
  authorId: string | null;
  role: MessageRole;
  content: string;
  status?: MessageStatus;
  clientId?: string | null;
  metadata?: MessageMetadata;
}

/**
 * The rows `authorId` stored before under `clientId` in `sessionId` (the user message and
 * the assistant answer linked to it), or null: a retried send finds what its first try
 * stored. A `clientId` is its sender's key: another member's message under the same one
 * is never found.
 */
export async function findReplay(
  db: Db,
  sessionId: string,
  authorId: string | null,
  clientId: string,
): Promise<ChatMessage[] | null> {
  if (authorId === null) return null;
  const found = await db.models.ChatMessage.findOne({
    where: { sessionId, authorId, clientId },
    include: [{ association: "author" }],
  });
  if (!found) return null;
  const linked = found.metadata?.assistantMessageId;
  const follower = linked
    ? await db.models.ChatMessage.findByPk(linked, { include: [{ association: "author" }] })
    : null;
  return follower ? [found, follower] : [found];
}

/** The last millisecond a send of this process used (its last row's `created_at`). */
let lastSendMs = 0;

/**
 * Now, or just after the rows of this process's previous send if that is later: a send
 * that follows another within a millisecond (a fast path does) never ties with the
 * earlier answer's time, so history (by `created_at`) keeps each question next to its
 * answer. Sends on different nodes can still share a millisecond, as any two can.
 */
function nextSendTime(rows: number): Date {
  const ms = Math.max(Date.now(), lastSendMs + 1);
  lastSendMs = ms + rows - 1;
  return new Date(ms);
}

export interface CreateOptions {
  /** The author of the messages with an `authorId`, attached to the returned rows. */
  author?: User | null;
  /**
   * Stores only if this user is, when the statement runs, an active account and a
   * member of the session in one of `roles` (the write checks it, not an earlier read):
   * otherwise nothing is written and the result is `refused`, with the role found (null:
   * no member, or the account deactivated).
   */
  writer?: { userId: string; roles: readonly string[] };
}

export type CreateResult =
  | {
      refused?: undefined;
      messages: ChatMessage[];
      created: boolean;
      /** The session's count and activity as this write left them (when `created`). */
      session?: { messageCount: number; activityAt: Date };
    }
  | { refused: true; role: string | null };

/**
 * Stores messages of one session at once (a user message and the assistant placeholder
 * that answers it, say) and counts them into the session's count and activity. The rows
 * come back as written, never read back; the first links to the second
 * (`metadata.assistantMessageId`), so a replay finds both.
 *
 * Idempotent on the first message's `clientId` (its author's key) without a pre-check: the
 * INSERT meets the unique `(session_id, author_id, client_id)` index (`ON CONFLICT DO NOTHING RETURNING id`), and when
 * the key was stored before nothing is written and the earlier rows come back with
 * `created: false` — a retried or racing send stores one message, never two.
 *
 * Postgres: one statement (data-modifying CTEs: the `writer`'s membership, the INSERT
 * only if it may write, the placeholder only when the first row went in, the session
 * UPDATE only then). SQLite: BEGIN, the membership read (with `writer`), one multi-row
 * INSERT … RETURNING, the UPDATE, COMMIT — rolled back when the first row was a
 * duplicate or the writer may not write.
 */
export async function createMessages(
  db: Db,
  inputs: [NewMessage, ...NewMessage[]],
  options: CreateOptions & { writer: NonNullable<CreateOptions["writer"]> },
): Promise<CreateResult>;
export async function createMessages(
  db: Db,
  inputs: [NewMessage, ...NewMessage[]],
  options?: CreateOptions,
): Promise<{ messages: ChatMessage[]; created: boolean }>;
export async function createMessages(
  db: Db,
  inputs: [NewMessage, ...NewMessage[]],
  options: CreateOptions = {},
): Promise<CreateResult> {
  const first = inputs[0];
  if (inputs.some((m) => m.sessionId !== first.sessionId)) {
    throw new Error("createMessages stores messages of one session at a time");
  }
  const ids = inputs.map(() => randomUUID());
  const now = nextSendTime(inputs.length);
  const values = inputs.map((input, i) => ({
    id: ids[i] as string,
    sessionId: input.sessionId,
    authorId: input.authorId,
    role: input.role,
    content: input.content,
    status: input.status ?? ("complete" as const),
    clientId: input.clientId ?? null,
    metadata:
      i === 0 && ids.length > 1
        ? { ...(input.metadata ?? {}), assistantMessageId: ids[1] }
        : (input.metadata ?? {}),
    // One millisecond apart, in the order given: history sorts by created_at, so a
    // question always comes before the answer stored with it (equal times would leave
    // the order to the random ids).
    createdAt: new Date(now.getTime() + i),
    updatedAt: now,
  }));
  let outcome: Inserted;
  try {
    outcome = await insertCounted(db, values, now, options.writer);
  } catch (err) {
    // A unique violation other than the one ON CONFLICT absorbs (an id clash) is real.
    if (!(isUniqueViolation(err) && first.clientId)) throw err;
    outcome = { inserted: false };
  }
  if (outcome.refused) return { refused: true, role: outcome.role };
  if (!outcome.inserted) {
    const again = first.clientId
      ? await findReplay(db, first.sessionId, first.authorId, first.clientId)
      : null;
    if (again) return { messages: again, created: false };
    throw new Error("message not stored and no earlier copy found");
  }
  const messages = values.map((v) => {
    const row = db.models.ChatMessage.build(
      {
        ...v,
        aiProvider: null,
        aiModel: null,
        askerId: null,
        promptTokens: null,
        completionTokens: null,
        ttftMs: null,
        durationMs: null,
      },
      { isNewRecord: false, raw: true },
    );
    row.author = v.authorId && options.author?.id === v.authorId ? options.author : null;
    return row;
  });
  return {
    messages,
    created: true,
    ...(outcome.messageCount !== undefined
      ? { session: { messageCount: outcome.messageCount, activityAt: now } }
      : {}),
  };
}

type MessageValues = Pick<
  ChatMessage,
  | "id"
  | "sessionId"
  | "authorId"
  | "role"
  | "content"
  | "status"
  | "clientId"
  | "metadata"
  | "createdAt"
  | "updatedAt"
>;

/** The columns written, in order, with each value as the model has it. */
function columnsOf(
  db: Db,
  v: MessageValues,
): { columns: string[]; fields: string[]; raw: unknown[] } {
  const attributes = db.models.ChatMessage.getAttributes();
  const columns: string[] = [];
  const fields: string[] = [];
  const raw: unknown[] = [];
  for (const [key, value] of Object.entries(v)) {
    const attribute = attributes[key as keyof typeof attributes];
    if (!attribute) continue;
    columns.push(key);
    fields.push(attribute.field ?? key);
    raw.push(value);
  }
  return { columns, fields, raw };
}

/** The columns written, in order, and each value as an SQL literal of the dialect. */
function literals(db: Db, v: MessageValues): { columns: string[]; values: string[] } {
  const qg = db.sequelize.getQueryInterface().queryGenerator as unknown as {
    escape(value: unknown, field?: unknown): string;
    quoteIdentifier(name: string): string;
  };
  const attributes = db.models.ChatMessage.getAttributes();
  const { columns, fields, raw } = columnsOf(db, v);
  return {
    columns: fields.map((f) => qg.quoteIdentifier(f)),
    values: raw.map((value, i) =>
      qg.escape(value, attributes[columns[i] as keyof typeof attributes]),
    ),
  };
}

/**
 * What the write did: the rows went in (with the session's new count), the first row's
 * `clientId` was stored before, or the writer may not write (nothing written).
 */
type Inserted =
  | { refused?: undefined; inserted: true; messageCount?: number }
  | { refused?: undefined; inserted: false }
  | { refused: true; role: string | null };

async function insertCounted(
  db: Db,
  rows: MessageValues[],
  now: Date,
  writer: CreateOptions["writer"],
): Promise<Inserted> {
  const [head] = rows;
  if (!head) return { inserted: false };
  if (db.dialect === "postgres") return coalesced(db, { rows, now, writer });
  const sql = sqlParts(db);
  const sid = sql.escape(head.sessionId);
  const tuples = rows.map((r) => literals(db, r));
  const columns = tuples[0]!.columns.join(", ");
  const membership = writer ? sql.membership(sid, sql.escape(writer.userId)) : "";
  const mayWrite = (role: string | null) =>
    !writer || (role !== null && writer.roles.includes(role));
  const duplicate = new Error("duplicate clientId");
  const refused = new Error("writer may not write");
  let role: string | null = null;
  return db
    .transaction(async (transaction): Promise<Inserted> => {
      if (writer) {
        const [found] = (await db.sequelize.query(membership, {
          type: QueryTypes.SELECT,
          transaction,
        })) as { role: string }[];
        role = found?.role ?? null;
        if (!mayWrite(role)) throw refused;
      }
      // The comment makes Sequelize run it for its rows (`all`): a statement starting
      // with "insert into" runs without them on SQLite, and RETURNING would be lost.
      const insert = `/* send */ INSERT INTO chat_messages (${columns}) VALUES ${tuples
        .map((t) => `(${t.values.join(", ")})`)
        .join(", ")} ON CONFLICT (session_id, author_id, client_id) DO NOTHING RETURNING id`;
      const result = (await db.sequelize.query(insert, {
        type: QueryTypes.SELECT,
        transaction,
      })) as { id: string }[];
      if (!result.some((r) => r.id === head.id)) {
        // The first row was a duplicate: whatever else went in goes back out.
        throw duplicate;
      }
      const [counted] = (await db.sequelize.query(
        `${sql.updateSession(sid, `${rows.length}`, sql.escapeAt(now))} RETURNING message_count`,
        { type: QueryTypes.SELECT, transaction },
      )) as { message_count: number }[];
      return { inserted: true, messageCount: counted ? Number(counted.message_count) : undefined };
    })
    .catch((err: unknown): Inserted => {
      if (err === duplicate) return { inserted: false };
      if (err === refused) return { refused: true, role };
      throw err;
    });
}

/** The dialect's literal escaping and the statements' shared fragments. */
function sqlParts(db: Db) {
  const qg = db.sequelize.getQueryInterface().queryGenerator as unknown as {
    escape(value: unknown, field?: unknown): string;
  };
  const activityAt = db.models.ChatSession.getAttributes().activityAt;
  return {
    escape: (value: unknown) => qg.escape(value),
    escapeAt: (at: Date) => qg.escape(at, activityAt),
    /** Adds `added` (an SQL expression) to the session's count and moves its activity. */
    updateSession: (sid: string, added: string, at: string) =>
      `UPDATE chat_sessions SET message_count = message_count + ${added}, activity_at = ${at}, updated_at = ${at} WHERE id = ${sid}`,
    // An account deactivated writes nothing either, whatever transport still carries it
    // (its sockets are cut by a message that may not have arrived yet).
    /** `sid` and `user`: SQL expressions (literals or parameters). */
    membership: (sid: string, user: string) =>
      `SELECT m.role AS role FROM session_members m JOIN users u ON u.id = m.user_id WHERE m.session_id = ${sid} AND m.user_id = ${user} AND u.is_active = ${qg.escape(true)}`,
  };
}

/** One send's write, waiting for its session's statement. */
interface PendingWrite {
  rows: MessageValues[];
  now: Date;
  writer: CreateOptions["writer"];
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
function coalesced(db: Db, write: Omit<PendingWrite, "settle">): Promise<Inserted> {
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
