/** `npm run db:migrate`: applies pending migrations to the configured database. */
import { ConfigError, loadConfig, openDb } from "@engunity/core";

try {
  const config = loadConfig();
  const db = openDb(config);
  const ran = await db.migrate();
  process.stdout.write(ran.length ? `Applied: ${ran.join(", ")}\n` : "Database is up to date\n");
  await db.close();
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(1);
}
