/** D1 helpers for tests: migrations, and raw reads for assertions. */
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

export const migrate = () => applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

export async function clearTables(): Promise<void> {
  await env.DB.batch([
    env.DB.prepare("DELETE FROM incident_attempts"),
    env.DB.prepare("DELETE FROM sightings"),
    env.DB.prepare("DELETE FROM incidents"),
    // The overview's daily roll-ups are a record kept apart from the rows (migration 0013): deleting rows leaves it.
    env.DB.prepare("DELETE FROM incident_days"),
    env.DB.prepare("DELETE FROM owner_emails"),
  ]);
}

export async function incident(tokenHash: string): Promise<Record<string, unknown> | null> {
  return env.DB.prepare("SELECT * FROM incidents WHERE token_hash = ?").bind(tokenHash).first();
}

/** Every row of every table, as text: for scanning for leaked secrets. */
export async function dumpTables(): Promise<string> {
  const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{
    name: string;
  }>();
  const parts: string[] = [];
  for (const { name } of tables.results) {
    if (name.startsWith("_cf_") || name === "sqlite_sequence") continue;
    const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
    parts.push(JSON.stringify(rows.results));
  }
  return parts.join("\n");
}
