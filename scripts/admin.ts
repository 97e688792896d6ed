/**
 * `npm run admin -- <command>`: account administration from the shell, against the
 * configured database (the same env as the server).
 *
 *   promote <username>   make an admin
 *   demote <username>    take admin away (never the last active admin)
 *   list                 list the admins
 */
import { ConfigError, loadConfig, openDb } from "@engunity/core";
import { findUserByLogin, LastAdminError, updateUserFlags } from "@engunity/db";

const USAGE = "usage: npm run admin -- promote <username> | demote <username> | list";

async function main(args: string[]): Promise<number> {
  const [command, name] = args;
  if (command !== "list" && !((command === "promote" || command === "demote") && name)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  const db = openDb(config);
  try {
    await db.migrate();
    if (command === "list") {
      const admins = await db.models.User.findAll({
        where: { isSuperuser: true },
        order: [["createdAt", "ASC"]],
      });
      for (const a of admins)
        process.stdout.write(`${a.username}${a.isActive ? "" : " (deactivated)"}\n`);
      if (admins.length === 0) process.stdout.write("No admins yet\n");
      return 0;
    }
    const user = await findUserByLogin(db, name!);
    if (!user) {
      process.stderr.write(`No user called ${name}\n`);
      return 1;
    }
    try {
      await updateUserFlags(db, user.id, { isSuperuser: command === "promote" });
    } catch (err) {
      if (err instanceof LastAdminError) {
        process.stderr.write(`${err.message}\n`);
        return 1;
      }
      throw err;
    }
    process.stdout.write(
      `${user.username} is ${command === "promote" ? "now an admin" : "no longer an admin"}\n`,
    );
    return 0;
  } finally {
    await db.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
