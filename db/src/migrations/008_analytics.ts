import { DataTypes, type QueryInterface } from "sequelize";

/**
 * Admin analytics: the AI numbers of an answer copied out of its JSON metadata into
 * plain columns (written by the worker when it finishes; filled here for existing
 * rows), indexes the panels read, and `app_events` for what no other table holds
 * (authentication failures, database errors, AI provider failures).
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  const postgres = qi.sequelize.getDialect() === "postgres";
  const int = { type: DataTypes.INTEGER, allowNull: true };
  await qi.addColumn("chat_messages", "ai_provider", {
    type: DataTypes.STRING(32),
    allowNull: true,
  });
  await qi.addColumn("chat_messages", "ai_model", { type: DataTypes.STRING(128), allowNull: true });
  // Who asked for the answer (assistant rows have no author); no foreign key, so a
  // deleted user's spend stays countable and the write stays one index cheaper.
  await qi.addColumn("chat_messages", "asker_id", { type: DataTypes.UUID, allowNull: true });
  await qi.addColumn("chat_messages", "prompt_tokens", int);
  await qi.addColumn("chat_messages", "completion_tokens", int);
  await qi.addColumn("chat_messages", "ttft_ms", int);
  await qi.addColumn("chat_messages", "duration_ms", int);

  // Existing answers: the same numbers from their metadata (read defensively: a
  // missing or non-numeric field stays NULL).
  if (postgres) {
    await qi.sequelize.query(`
      UPDATE chat_messages SET
        ai_provider = left(metadata->>'provider', 32),
        ai_model = left(metadata->>'model', 128),
        prompt_tokens = CASE WHEN json_typeof(metadata->'usage'->'promptTokens') = 'number'
          THEN round((metadata->'usage'->>'promptTokens')::numeric)::int END,
        completion_tokens = CASE WHEN json_typeof(metadata->'usage'->'completionTokens') = 'number'
          THEN round((metadata->'usage'->>'completionTokens')::numeric)::int END,
        ttft_ms = CASE WHEN json_typeof(metadata->'ttftMs') = 'number'
          THEN round((metadata->>'ttftMs')::numeric)::int END,
        duration_ms = CASE WHEN json_typeof(metadata->'durationMs') = 'number'
          THEN round((metadata->>'durationMs')::numeric)::int END
      WHERE role = 'assistant' AND metadata->>'provider' IS NOT NULL`);
  } else {
    const num = (path: string) =>
      `CASE WHEN json_type(metadata, '${path}') IN ('integer', 'real') THEN CAST(round(json_extract(metadata, '${path}')) AS INTEGER) END`;
    await qi.sequelize.query(`
      UPDATE chat_messages SET
        ai_provider = substr(json_extract(metadata, '$.provider'), 1, 32),
        ai_model = substr(json_extract(metadata, '$.model'), 1, 128),
        prompt_tokens = ${num("$.usage.promptTokens")},
        completion_tokens = ${num("$.usage.completionTokens")},
        ttft_ms = ${num("$.ttftMs")},
        duration_ms = ${num("$.durationMs")}
      WHERE role = 'assistant' AND json_valid(metadata) AND json_extract(metadata, '$.provider') IS NOT NULL`);
  }
  // The asker of an existing answer: the user message that points at it.
  await qi.sequelize.query(`
    UPDATE chat_messages SET asker_id = (
      SELECT q.author_id FROM chat_messages q
      WHERE q.session_id = chat_messages.session_id AND q.role = 'user'
        AND q.created_at <= chat_messages.created_at
      ORDER BY q.created_at DESC LIMIT 1)
    WHERE role = 'assistant'`);

  // The panels' range scans read only these partial indexes: answers (with their AI
  // columns) and what people wrote, each by time. Postgres carries the other columns
  // as INCLUDE; SQLite as trailing keys. Other rows (system, placeholders) stay out.
  const answerColumns = [
    "ai_provider",
    "ai_model",
    "asker_id",
    "session_id",
    "prompt_tokens",
    "completion_tokens",
    "ttft_ms",
    "duration_ms",
  ];
  const writtenColumns = ["author_id", "session_id"];
  if (postgres) {
    await qi.sequelize.query(
      `CREATE INDEX chat_messages_answers ON chat_messages (created_at) INCLUDE (${answerColumns.join(", ")}) WHERE ai_provider IS NOT NULL`,
    );
    await qi.sequelize.query(
      `CREATE INDEX chat_messages_written ON chat_messages (created_at) INCLUDE (${writtenColumns.join(", ")}) WHERE role = 'user'`,
    );
  } else {
    await qi.sequelize.query(
      `CREATE INDEX chat_messages_answers ON chat_messages (created_at, ${answerColumns.join(", ")}) WHERE ai_provider IS NOT NULL`,
    );
    await qi.sequelize.query(
      `CREATE INDEX chat_messages_written ON chat_messages (created_at, ${writtenColumns.join(", ")}) WHERE role = 'user'`,
    );
  }
  // The admin user list: messages and last activity per author, tokens per asker.
  await qi.addIndex("chat_messages", ["author_id", "created_at"], {
    name: "chat_messages_author",
  });
  await qi.addIndex("chat_messages", ["asker_id", "prompt_tokens", "completion_tokens"], {
    name: "chat_messages_asker",
  });

  await qi.createTable("app_events", {
    id: {
      type: postgres ? DataTypes.BIGINT : DataTypes.INTEGER,
      primaryKey: true,
      autoIncrement: true,
    },
    /** `auth_failure`, `db_error` or `ai_failure`. */
    kind: { type: DataTypes.STRING(16), allowNull: false },
    /** What failed: `login`, `token`, `socket`; an error code; an AI outcome. */
    detail: { type: DataTypes.STRING(64), allowNull: false, defaultValue: "" },
    provider: { type: DataTypes.STRING(32), allowNull: true },
    user_id: { type: DataTypes.UUID, allowNull: true },
    created_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.addIndex("app_events", ["created_at", "kind"]);

  // Failed provider attempts of existing answers, as events.
  if (postgres) {
    await qi.sequelize.query(`
      INSERT INTO app_events (kind, detail, provider, user_id, created_at)
      SELECT 'ai_failure', left(a->>'outcome', 64), left(a->>'provider', 32), m.asker_id, m.created_at
      FROM chat_messages m, json_array_elements(
        CASE WHEN json_typeof(m.metadata->'attempts') = 'array' THEN m.metadata->'attempts' ELSE '[]'::json END) a
      WHERE m.role = 'assistant' AND a->>'outcome' IN ('error', 'rate_limited')`);
  } else {
    await qi.sequelize.query(`
      INSERT INTO app_events (kind, detail, provider, user_id, created_at)
      SELECT 'ai_failure', json_extract(a.value, '$.outcome'), json_extract(a.value, '$.provider'), m.asker_id, m.created_at
      FROM chat_messages m, json_each(m.metadata, '$.attempts') a
      WHERE m.role = 'assistant' AND json_valid(m.metadata) AND json_type(m.metadata, '$.attempts') = 'array'
        AND json_extract(a.value, '$.outcome') IN ('error', 'rate_limited')`);
  }
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable("app_events");
  for (const name of [
    "chat_messages_answers",
    "chat_messages_written",
    "chat_messages_author",
    "chat_messages_asker",
  ]) {
    await qi.removeIndex("chat_messages", name);
  }
  for (const column of [
    "duration_ms",
    "ttft_ms",
    "completion_tokens",
    "prompt_tokens",
    "asker_id",
    "ai_model",
    "ai_provider",
  ]) {
    await qi.removeColumn("chat_messages", column);
  }
}
