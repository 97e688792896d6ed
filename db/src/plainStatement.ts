import {
  DatabaseError,
  ForeignKeyConstraintError,
  QueryTypes,
  UniqueConstraintError,
} from "sequelize";
import type { Db } from "./index";

/**
 * Statements on the hot paths (every connect, every send), run with `$n` bound
 * parameters straight on a pooled node-postgres client: the same pool as every other
 * statement, without `sequelize.query`'s options merge, retry wrapper, Query object,
 * result building and literal escaping, which cost more CPU than the statement itself
 * (issue 16). The statement log (`logging`) still sees each one.
 */

/** A pooled node-postgres client, as Sequelize's connection manager hands it out. */
interface PgClient {
  query(config: { text: string; values: unknown[]; name?: string }): Promise<{ rows: unknown[] }>;
}
interface PooledConnections {
  getConnection(opts: { type: string }): Promise<PgClient>;
  releaseConnection(connection: PgClient): void;
}

/** The driver's error as Sequelize reports it: the original as `parent`, the kinds callers test for. */
function asSequelizeError(err: unknown): Error {
  const pgError = err as Error & { code?: string; sql: string; parameters: object };
  if (pgError.code === "23505") return new UniqueConstraintError({ parent: pgError });
  if (pgError.code === "23503") return new ForeignKeyConstraintError({ parent: pgError });
  return new DatabaseError(pgError);
}

/**
 * Runs one Postgres statement with `$n` parameters and answers its rows. With `name`,
 * the statement is prepared once per pooled connection and then only bound and run:
 * Postgres skips parsing and planning it again (a third of a send's statement). `name`
 * must stand for one text: callers derive it from the statement's shape, and keep the
 * shapes few (each is kept on every connection of the pool). A prepared statement's
 * result columns must have fixed types (cast them): a migration that changes a column
 * it returns would otherwise fail it ("cached plan must not change result type") on
 * every connection that prepared it. Behind a transaction pooler (`DATABASE_POOLER`)
 * `name` is ignored: the next statement may run on a server connection that never
 * prepared it. `write`: the statement writes (the pool's
 * write side, should replication ever be configured).
 */
export async function plainStatement<T extends object>(
  db: Db,
  sql: string,
  bind: unknown[],
  options: { name?: string; write?: boolean } = {},
): Promise<T[]> {
  const { name, write = false } = options;
  const { sequelize } = db;
  const log = (sequelize as unknown as { options: { logging?: unknown } }).options.logging;
  if (typeof log === "function") log(`Executing (plain): ${sql}`);
  const pool = sequelize.connectionManager as unknown as PooledConnections;
  const client = await pool.getConnection({ type: write ? "INSERT" : "SELECT" });
  try {
    const query =
      name && db.preparedStatements
        ? { name, text: sql, values: bind }
        : { text: sql, values: bind };
    return (await client.query(query)).rows as T[];
  } catch (err) {
    throw asSequelizeError(err);
  } finally {
    pool.releaseConnection(client);
  }
}

/**
 * A read with `$n` parameters: `plainStatement` on Postgres; SQLite (embedded mode)
 * goes through Sequelize.
 */
export function plainRead<T extends object>(db: Db, sql: string, bind: unknown[]): Promise<T[]> {
  if (db.dialect !== "postgres") {
    return db.sequelize.query<T>(sql, { type: QueryTypes.SELECT, bind });
  }
  return plainStatement<T>(db, sql, bind);
}
