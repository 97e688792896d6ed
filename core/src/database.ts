import { createDb, type Db } from "@engunity/db";
import type { Config } from "./env";

/** The database the configuration names: Postgres at `DATABASE_URL`, else SQLite under `DATA_DIR`. */
export function openDb(config: Config): Db {
  return createDb({
    databaseUrl: config.DATABASE_URL,
    sqlitePath: config.sqlitePath,
    pooler: config.DATABASE_POOLER,
  });
}
