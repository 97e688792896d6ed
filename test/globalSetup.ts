/**
 * Before any test: Postgres and Redis must answer on loopback. If they are installed
 * but stopped they are started; if they are missing the run stops with one clear line.
 */
import { ensureServices } from "./support/services";

export default async function setup(): Promise<void> {
  await ensureServices();
}
