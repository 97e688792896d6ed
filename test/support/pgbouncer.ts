import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { fixedPort, spawnListening } from "./ports";
import { PG_ADMIN_URL } from "./services";

/** Debian's PgBouncer (package pgbouncer). */
export const PGBOUNCER_BIN = "/usr/sbin/pgbouncer";

export interface RunningPgBouncer {
  /** `url` with its host and port swapped for the pooler's. */
  through(url: string): string;
  /** Makes the pooler open `n` server connections to `url`'s database (they stay idle in its pool). */
  openServerConnections(url: string, n: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A PgBouncer in transaction mode in front of the test Postgres, as PgBouncer or
 * Supavisor sit in front of a hosted one: two server connections, handed out round
 * robin, so two consecutive statements of one client run on different server
 * connections (what breaks a statement prepared on one and bound on the other).
 * PgBouncer refuses to run as root: as root it runs as the `postgres` user.
 */
export async function startPgBouncer(): Promise<RunningPgBouncer> {
  if (!existsSync(PGBOUNCER_BIN)) {
    throw new Error(`${PGBOUNCER_BIN} is missing: apt-get install -y pgbouncer (see README)`);
  }
  const dir = mkdtempSync(join(tmpdir(), "engunity-pgbouncer-"));
  chmodSync(dir, 0o755);
  const port = await fixedPort();
  const upstream = new URL(PG_ADMIN_URL);
  const user = decodeURIComponent(upstream.username || "postgres");
  writeFileSync(join(dir, "users.txt"), `"${user}" ""\n`, { mode: 0o644 });
  writeFileSync(
    join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${upstream.hostname} port=${upstream.port || "5432"}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "auth_type = trust",
      `auth_file = ${join(dir, "users.txt")}`,
      "pool_mode = transaction",
      "default_pool_size = 2",
      "server_round_robin = 1",
      "unix_socket_dir =",
      "ignore_startup_parameters = extra_float_digits,options",
      "",
    ].join("\n"),
    { mode: 0o644 },
  );
  const args = [join(dir, "pgbouncer.ini")];
  // PgBouncer refuses to run as root: as root, run it as the `postgres` user.
  const [command, argv] =
    process.getuid?.() === 0
      ? ["runuser", ["-u", "postgres", "--", PGBOUNCER_BIN, ...args]]
      : [PGBOUNCER_BIN, args];
  const { child, exited } = await spawnListening("pgbouncer", command, argv, port, () =>
    rmSync(dir, { recursive: true, force: true }),
  );
  return {
    through(url) {
      const u = new URL(url);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    async openServerConnections(url, n) {
      // Each client holds a transaction open until all have begun: n at once need n servers.
      const clients = Array.from({ length: n }, () => new pg.Client({ connectionString: url }));
      await Promise.all(clients.map((c) => c.connect()));
      try {
        await Promise.all(clients.map((c) => c.query("BEGIN")));
        await Promise.all(clients.map((c) => c.query("COMMIT")));
      } finally {
        await Promise.all(clients.map((c) => c.end()));
      }
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
