import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { Sequelize, Transaction } from "sequelize";
import { migrate, pendingMigrations, refuseMigrations } from "./migrator";
import { AppEvent } from "./models/AppEvent";
import { ChatMessage } from "./models/ChatMessage";
import { ChatSession } from "./models/ChatSession";
import { Document } from "./models/Document";
import { DocumentChunk } from "./models/DocumentChunk";
import { Invite } from "./models/Invite";
import { LoginSession } from "./models/LoginSession";
import { MemberInvitation } from "./models/MemberInvitation";
import { MessageVersion } from "./models/MessageVersion";
import { SessionMember } from "./models/SessionMember";
import { SessionRemoval } from "./models/SessionRemoval";
import { User } from "./models/User";
import { UserBlock } from "./models/UserBlock";
import { WidgetKey } from "./models/WidgetKey";
import { WidgetVisitor } from "./models/WidgetVisitor";
import { YjsUpdate } from "./models/YjsUpdate";

export { isUnavailableError, isUniqueViolation } from "./dbErrors";
export type { AppEventKind } from "./models/AppEvent";
export { bufferToVector, vectorToBuffer } from "./models/DocumentChunk";
export {
  AppEvent,
  ChatMessage,
  ChatSession,
  Document,
  DocumentChunk,
  Invite,
  LoginSession,
  MemberInvitation,
  MessageVersion,
  SessionMember,
  SessionRemoval,
  User,
  UserBlock,
  WidgetKey,
  WidgetVisitor,
  YjsUpdate,
};

export interface DbOptions {
  /** `postgres://…`; when absent, SQLite at `sqlitePath`. */
  databaseUrl?: string;
  /** SQLite file (embedded mode). `:memory:` is allowed for unit tests. */
  sqlitePath?: string;
  /** Max pooled connections (Postgres). */
  poolMax?: number;
  logging?: (sql: string) => void;
  /**
   * What is between the nodes and Postgres (`DATABASE_POOLER`): a direct connection or a
   * session pooler (the default), or a transaction pooler (PgBouncer's or Supavisor's
   * transaction mode), where consecutive statements may run on different server
   * connections: no named prepared statements then, and no migrations (their lock is
   * held on one connection).
   */
  pooler?: "session" | "transaction";
}

/**
 * Model classes bound to one database. Each Db gets subclasses of its own so two
 * databases (SQLite and Postgres in one test process, say) never share a binding.
 */
export interface Models {
  User: typeof User;
  ChatSession: typeof ChatSession;
  SessionMember: typeof SessionMember;
  ChatMessage: typeof ChatMessage;
  Invite: typeof Invite;
  Document: typeof Document;
  DocumentChunk: typeof DocumentChunk;
  YjsUpdate: typeof YjsUpdate;
  LoginSession: typeof LoginSession;
  MemberInvitation: typeof MemberInvitation;
  UserBlock: typeof UserBlock;
  SessionRemoval: typeof SessionRemoval;
  MessageVersion: typeof MessageVersion;
  WidgetKey: typeof WidgetKey;
  WidgetVisitor: typeof WidgetVisitor;
  AppEvent: typeof AppEvent;
}

export interface Db {
  sequelize: Sequelize;
  models: Models;
  dialect: "sqlite" | "postgres";
  /** Hot statements may be prepared once per connection (not behind a transaction pooler). */
  preparedStatements: boolean;
  /** Runs `fn` in one transaction; on SQLite, transactions are serialised in-process. */
  transaction<T>(fn: (t: Transaction) => Promise<T>): Promise<T>;
  migrate(): Promise<string[]>;
  pendingMigrations(): Promise<string[]>;
  /** Cheap round-trip for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

function bindModels(sequelize: Sequelize): Models {
  const models: Models = {
    User: class extends User {},
    ChatSession: class extends ChatSession {},
    SessionMember: class extends SessionMember {},
    ChatMessage: class extends ChatMessage {},
    Invite: class extends Invite {},
    Document: class extends Document {},
    DocumentChunk: class extends DocumentChunk {},
    YjsUpdate: class extends YjsUpdate {},
    LoginSession: class extends LoginSession {},
    MemberInvitation: class extends MemberInvitation {},
    UserBlock: class extends UserBlock {},
    SessionRemoval: class extends SessionRemoval {},
    MessageVersion: class extends MessageVersion {},
    WidgetKey: class extends WidgetKey {},
    WidgetVisitor: class extends WidgetVisitor {},
    AppEvent: class extends AppEvent {},
  };
  for (const model of Object.values(models)) model.initModel(sequelize);
  const { User: U, ChatSession: S, SessionMember: M, ChatMessage: C, Document: D } = models;
  M.belongsTo(U, { as: "user", foreignKey: "userId" });
  M.belongsTo(S, { as: "session", foreignKey: "sessionId" });
  S.hasMany(M, { as: "members", foreignKey: "sessionId" });
  C.belongsTo(U, { as: "author", foreignKey: "authorId" });
  C.belongsTo(S, { as: "session", foreignKey: "sessionId" });
  D.belongsTo(S, { as: "session", foreignKey: "sessionId" });
  models.MemberInvitation.belongsTo(S, { as: "session", foreignKey: "sessionId" });
  models.Invite.belongsTo(U, { as: "creator", foreignKey: "createdBy" });
  models.MemberInvitation.belongsTo(U, { as: "inviter", foreignKey: "invitedBy" });
  D.belongsTo(U, { as: "uploader", foreignKey: "userId" });
  models.DocumentChunk.belongsTo(D, { as: "document", foreignKey: "documentId" });
  models.MessageVersion.belongsTo(C, { as: "message", foreignKey: "messageId" });
  return models;
}

/** Opens the database named by the options. Connects lazily; call `migrate()` before use. */
export function createDb(options: DbOptions): Db {
  const logging = options.logging ?? false;
  let sequelize: Sequelize;
  if (options.databaseUrl) {
    sequelize = new Sequelize(options.databaseUrl, {
      dialect: "postgres",
      logging,
      pool: { max: options.poolMax ?? 10, min: 0, acquire: 10_000, idle: 10_000 },
      dialectOptions: { connectionTimeoutMillis: 5_000 },
    });
  } else {
    const storage = options.sqlitePath ?? ":memory:";
    if (storage !== ":memory:") ensurePrivateFile(storage);
    sequelize = new Sequelize({ dialect: "sqlite", storage, logging });
    // WAL lets readers run beside the writer; busy_timeout rides out the short
    // lock waits Sequelize's per-transaction connections can still hit.
    sequelize.addHook("afterConnect", async (connection) => {
      const conn = connection as { run(sql: string, cb: (err: Error | null) => void): void };
      for (const pragma of ["PRAGMA journal_mode=WAL", "PRAGMA busy_timeout=5000"]) {
        await new Promise<void>((resolve, reject) =>
          conn.run(pragma, (err) => (err ? reject(err) : resolve())),
        );
      }
    });
  }
  const dialect = sequelize.getDialect() === "postgres" ? "postgres" : "sqlite";
  const models = bindModels(sequelize);

  // SQLite allows one writer; Sequelize opens a connection per transaction, so two
  // concurrent transactions would race for the lock. A promise chain serialises them.
  let sqliteChain: Promise<unknown> = Promise.resolve();
  const transaction = <T>(fn: (t: Transaction) => Promise<T>): Promise<T> => {
    if (dialect === "postgres") return sequelize.transaction(fn);
    // IMMEDIATE takes the write lock at BEGIN, so a transaction that read first never
    // fails to upgrade (SQLITE_BUSY, which busy_timeout does not retry) under a burst.
    const run = sqliteChain.then(() =>
      sequelize.transaction({ type: Transaction.TYPES.IMMEDIATE }, fn),
    );
    sqliteChain = run.catch(() => undefined);
    return run;
  };

  return {
    sequelize,
    models,
    dialect,
    transaction,
    preparedStatements: options.pooler !== "transaction",
    migrate: () =>
      options.pooler === "transaction"
        ? refuseMigrations(sequelize)
        : migrate(sequelize, options.databaseUrl),
    pendingMigrations: () => pendingMigrations(sequelize),
    ping: async () => {
      await sequelize.query("SELECT 1");
    },
    close: () => sequelize.close(),
  };
}
export * from "./commands/accountCommands";
export * from "./commands/documentCommands";
export * from "./commands/eventRecorder";
export * from "./commands/loginSessionCommands";
export * from "./commands/memberCommands";
export * from "./commands/messageCreator";
export * from "./commands/messageReviser";
export * from "./commands/readState";
export * from "./commands/sessionCommands";
export * from "./commands/userAdmin";
export * from "./commands/userCreator";
export * from "./commands/widgetCommands";
export * from "./presenters/index";
export * from "./presenters/widget";
export * from "./queries/analytics";
export * from "./queries/connectionReads";
export * from "./queries/messageSearch";
export * from "./queries/sessionQueries";

/**
 * The SQLite file holds password hashes and every message: created 0600 in a 0700
 * folder before SQLite opens it (SQLite gives its -wal and -shm files the same mode).
 */
function ensurePrivateFile(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(path)) closeSync(openSync(path, "a", 0o600));
  chmodSync(path, 0o600);
}

export * from "./queries/userListing";
