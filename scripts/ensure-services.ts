/** Makes sure Postgres and Redis answer on loopback (starts them if installed but stopped). */
import { ensureServices } from "../test/support/services";

try {
  await ensureServices();
  process.stdout.write("Postgres and Redis are up\n");
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
