import { QueryTypes } from "sequelize";
import type { Db } from "../index";
import type { ChatMessage } from "../models/ChatMessage";
import type { ChatSession } from "../models/ChatSession";

/** One search result: the message, its session, and a snippet around the match. */
export interface MessageSearchHit {
  message: ChatMessage;
  session: ChatSession;
  /** Plain text around the match (no markup); `…` where it was cut. */
  snippet: string;
  /** `[start, end)` UTF-16 offsets into `snippet` of each matched word. */
  highlights: [number, number][];
}

// Private-use code points as the engines' highlight markers: never markup, and split
// out of the snippet below, so nothing a message contains is ever interpreted.
const START = "\uE000";
const STOP = "\uE001";
const MAX_TERMS = 8;

/** The words of a query (letters and digits only): nothing of the engines' syntax survives. */
export function searchTerms(q: string): string[] {
  return (q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, MAX_TERMS);
}

/** Splits an engine's marked-up snippet into text and highlight ranges. */
export function parseSnippet(marked: string): { snippet: string; highlights: [number, number][] } {
  let snippet = "";
  const highlights: [number, number][] = [];
  let open = -1;
  for (const ch of marked) {
    if (ch === START) open = snippet.length;
    else if (ch === STOP) {
      if (open >= 0 && snippet.length > open) highlights.push([open, snippet.length]);
      open = -1;
    } else snippet += ch;
  }
  return { snippet, highlights };
}

// Each word matches as a prefix (results come as one types), all words must match.
// SQLite: FTS5 with bm25 ranking and snippet(); Postgres: the GIN-indexed tsvector of
// migration 005 with ts_headline, whole-word matches first, then ts_rank. Membership is joined in: only the
// user's sessions are searched.
const SQLITE_SQL = (inSession: boolean) => `
  SELECT m.id AS id, snippet(chat_messages_fts, 0, :start, :stop, '…', 24) AS marked
  FROM chat_messages_fts
  JOIN chat_messages m ON m.rowid = chat_messages_fts.rowid
  JOIN session_members sm ON sm.session_id = m.session_id AND sm.user_id = :userId
  WHERE chat_messages_fts MATCH :match${inSession ? " AND m.session_id = :sessionId" : ""}
  ORDER BY bm25(chat_messages_fts), m.created_at DESC
  LIMIT :limit`;

const POSTGRES_SQL = (inSession: boolean) => `
  SELECT m.id AS id,
    ts_headline('simple', m.content, query, :options) AS marked
  FROM chat_messages m
  JOIN session_members sm ON sm.session_id = m.session_id AND sm.user_id = :userId,
    to_tsquery('simple', :match) query, to_tsquery('simple', :exact) exact
  WHERE to_tsvector('simple', content) @@ query${inSession ? " AND m.session_id = :sessionId" : ""}
  ORDER BY (to_tsvector('simple', m.content) @@ exact) DESC,
    ts_rank(to_tsvector('simple', m.content), query) DESC, m.created_at DESC
  LIMIT :limit`;

/**
 * Full-text search of the messages in a user's sessions (or in one of them), best
 * match first, each with a highlighted snippet.
 */
export async function searchMessages(
  db: Db,
  userId: string,
  q: string,
  limit: number,
  opts: { sessionId?: string } = {},
): Promise<MessageSearchHit[]> {
  const terms = searchTerms(q);
  if (terms.length === 0) return [];
  const postgres = db.dialect === "postgres";
  const inSession = opts.sessionId !== undefined;
  const rows = await db.sequelize.query<{ id: string; marked: string }>(
    (postgres ? POSTGRES_SQL : SQLITE_SQL)(inSession),
    {
      type: QueryTypes.SELECT,
      replacements: {
        userId,
        sessionId: opts.sessionId ?? null,
        limit,
        start: START,
        stop: STOP,
        // A whole-word match scores on both sides of the OR: it ranks above a prefix one.
        match: postgres
          ? terms.map((t) => `(${t} | ${t}:*)`).join(" & ")
          : terms.map((t) => `("${t}" OR "${t}"*)`).join(" AND "),
        exact: terms.join(" & "),
        options: `StartSel=${START}, StopSel=${STOP}, MaxWords=30, MinWords=12`,
      },
    },
  );
  if (rows.length === 0) return [];
  const messages = await db.models.ChatMessage.findAll({
    where: { id: rows.map((r) => r.id) },
    include: [{ association: "author" }, { association: "session" }],
  });
  const byId = new Map(messages.map((m) => [m.id, m]));
  const out: MessageSearchHit[] = [];
  for (const row of rows) {
    const message = byId.get(row.id);
    if (!message) continue;
    out.push({
      message,
      session: (message as ChatMessage & { session: ChatSession }).session,
      ...parseSnippet(row.marked ?? ""),
    });
  }
  return out;
}
