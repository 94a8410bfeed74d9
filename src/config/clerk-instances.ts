/**
 * @module
 * The Clerk instances one deployment watches: `CLERK_SECRET_KEYS` (`name=sk_...` separated by commas or newlines) and
 * `CLERK_SECRET_KEY` (the instance `default`). Parsing is pure; a problem names the entry by its position, and by its
 * name once that is known to be one, never by its key.
 */
import { DEFAULT_INSTANCE } from "../domain/clerk-ids";
import { err, ok, type Result } from "../lib/result";

/** One configured Clerk instance. */
export interface ClerkInstanceKey {
  /** A short slug: on incidents, in the operators' API, in notifications, and in the pacer's object name. */
  name: string;
  secretKey: string;
}

/**
 * Most instances one deployment may watch: an unknown `ak_` secret costs one verify per instance, and a pasted
 * mistake (a whole file) should not multiply that.
 */
export const MAX_CLERK_INSTANCES = 16;

/** An instance name: lowercase letters, digits and `-`, at most 32, so quoting one can never quote a key. */
const NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** A Clerk secret key, as CLERK_SECRET_KEY is checked. */
export const SECRET_KEY = /^sk_(live|test)_\S+$/;

/** Production instances (`sk_live_`) first, in the order given otherwise: they hold the keys that matter most. */
export function productionFirst<T extends { secretKey: string }>(instances: readonly T[]): T[] {
  const live = (i: T) => i.secretKey.startsWith("sk_live_");
  return [...instances.filter(live), ...instances.filter((i) => !live(i))];
}

/** The instances in `text`, as written; or every problem found, each naming its entry. */
export function parseClerkInstances(text: string): Result<ClerkInstanceKey[], string[]> {
  const entries = text
    .split(/[,\r\n]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (entries.length === 0) return err(["must hold at least one instance, name=sk_..."]);
  if (entries.length > MAX_CLERK_INSTANCES)
    return err([`must hold at most ${MAX_CLERK_INSTANCES} instances`]);

  const problems: string[] = [];
  const instances: ClerkInstanceKey[] = [];
  const names = new Set<string>();
  const keys = new Set<string>();
  entries.forEach((entry, index) => {
    const at = `entry ${index + 1}`;
    const split = entry.indexOf("=");
    if (split < 0) {
      problems.push(`${at} must be name=sk_live_... or name=sk_test_...`);
      return;
    }
    const name = entry.slice(0, split).trim();
    const secretKey = entry.slice(split + 1).trim();
    if (!NAME.test(name)) {
      problems.push(
        `${at} must be named with 1-32 lowercase letters, digits or - (starting with a letter or digit)`,
      );
      return;
    }
    const named = `${at} (${name})`;
    if (!SECRET_KEY.test(secretKey)) {
      problems.push(`${named} must hold a key like sk_live_... or sk_test_...`);
      return;
    }
    if (names.has(name)) {
      problems.push(`${named} repeats an instance name`);
      return;
    }
    if (keys.has(secretKey)) {
      problems.push(`${named} repeats the key of an earlier entry`);
      return;
    }
    names.add(name);
    keys.add(secretKey);
    instances.push({ name, secretKey });
  });
  return problems.length > 0 ? err(problems) : ok(instances);
}

/**
 * The instances of both settings, production first. Both set: `CLERK_SECRET_KEY` joins the list as `default` (a team
 * moving to the list watches nothing less meanwhile), unless the list holds its key already; a list entry named
 * `default` with another key is a problem, since the two would be indistinguishable on incidents.
 */
export function clerkInstancesOf(
  single: string | undefined,
  list: readonly ClerkInstanceKey[] | undefined,
): Result<ClerkInstanceKey[], string> {
  const all = [...(list ?? [])];
  if (single !== undefined && !all.some((i) => i.secretKey === single)) {
    if (all.some((i) => i.name === DEFAULT_INSTANCE))
      return err(
        `CLERK_SECRET_KEYS names an instance ${DEFAULT_INSTANCE}, which CLERK_SECRET_KEY is already`,
      );
    all.push({ name: DEFAULT_INSTANCE, secretKey: single });
  }
  if (all.length === 0) return err("CLERK_SECRET_KEY is not set (nor CLERK_SECRET_KEYS)");
  return ok(productionFirst(all));
}
