/** `npm run db:migrate`: applies pending migrations to the configured database. */
import { ConfigError, loadConfig } from "@engunity/core";
import { createDb } from "@engunity/db";

try {
  const config = loadConfig();
  const db = createDb({ databaseUrl: config.DATABASE_URL, sqlitePath: config.sqlitePath });
  const ran = await db.migrate();
  process.stdout.write(ran.length ? `Applied: ${ran.join(", ")}\n` : "Database is up to date\n");
  await db.close();
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(1);
}
