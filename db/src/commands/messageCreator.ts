import { randomUUID } from "node:crypto";
import type { MessageMetadata, MessageRole, MessageStatus } from "@engunity/shared";
import { QueryTypes } from "sequelize";
import { isUniqueViolation } from "../dbErrors";
import type { Db } from "../index";
import type { ChatMessage } from "../models/ChatMessage";
import type { User } from "../models/User";
import { columnsOf, type Inserted, type MessageValues, sqlParts, type Writer } from "./messageRows";
import { coalesced } from "./sendGroupCommit";

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
  writer?: Writer;
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
