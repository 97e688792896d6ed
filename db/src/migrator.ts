import pg from "pg";
import type { QueryInterface, Sequelize } from "sequelize";
import { SequelizeStorage, Umzug } from "umzug";
import * as m001 from "./migrations/001_initial";
import * as m002 from "./migrations/002_yjs";
import * as m003 from "./migrations/003_documents";
import * as m004 from "./migrations/004_trust";
import * as m005 from "./migrations/005_read_state_search";
import * as m006 from "./migrations/006_message_versions";
import * as m007 from "./migrations/007_widget_keys";
import * as m008 from "./migrations/008_analytics";
import * as m009 from "./migrations/009_analytics_rollup";
import * as m010 from "./migrations/010_refresh_tokens";
import * as m011 from "./migrations/011_client_id_per_author";

/** Every migration, in order. Listed explicitly so no file glob runs at start-up. */
const MIGRATIONS = [
  { name: "001_initial", ...m001 },
  { name: "002_yjs", ...m002 },
  { name: "003_documents", ...m003 },
  { name: "004_trust", ...m004 },
  { name: "005_read_state_search", ...m005 },
  { name: "006_message_versions", ...m006 },
  { name: "007_widget_keys", ...m007 },
  { name: "008_analytics", ...m008 },
  { name: "009_analytics_rollup", ...m009 },
  { name: "010_refresh_tokens", ...m010 },
  { name: "011_client_id_per_author", ...m011 },
];

/** An arbitrary constant: the advisory lock two nodes take before migrating the same Postgres. */
const MIGRATION_LOCK_KEY = 804_771_001;

function umzugFor(sequelize: Sequelize): Umzug<QueryInterface> {
  return new Umzug({
    migrations: MIGRATIONS.map((m) => ({
      name: m.name,
      up: ({ context }) => m.up({ context }),
      down: ({ context }) => m.down({ context }),
    })),
    context: sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize, tableName: "schema_migrations" }),
    logger: undefined,
  });
}

/**
 * Runs pending migrations. On Postgres an advisory lock, held on a connection of its
 * own, makes several nodes starting at once migrate one after the other.
 * Returns the names of the migrations it ran.
 */
export async function migrate(sequelize: Sequelize, databaseUrl?: string): Promise<string[]> {
  const umzug = umzugFor(sequelize);
  if (sequelize.getDialect() !== "postgres" || !databaseUrl) {
    return (await umzug.up()).map((m) => m.name);
  }
  const lock = new pg.Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    return (await umzug.up()).map((m) => m.name);
  } finally {
    await lock.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    await lock.end().catch(() => {});
  }
}

/**
 * `migrate` behind a transaction pooler: nothing to run is fine; pending migrations are
 * refused (the advisory lock and its unlock could land on two server connections, and
 * a lock left held would stall every later migration).
 */
export async function refuseMigrations(sequelize: Sequelize): Promise<string[]> {
  const pending = await pendingMigrations(sequelize);
  if (!pending.length) return [];
  throw new Error(
    `${pending.length} database migration(s) pending (${pending.join(", ")}), and DATABASE_POOLER=transaction cannot run them: run \`npm run db:migrate\` with DATABASE_URL set to a direct (or session-pooled) connection and DATABASE_POOLER unset, then start again`,
  );
}

/** Names of migrations not yet applied. */
export async function pendingMigrations(sequelize: Sequelize): Promise<string[]> {
  return (await umzugFor(sequelize).pending()).map((m) => m.name);
}
