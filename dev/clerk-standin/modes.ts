/**
 * @module
 * Modes: which of the answers Clerk's published Backend API allows one stand-in instance gives, where the spec leaves
 * a choice (dev/clerk-openapi/clerk-bapi-2026-05-12.yml). Each mode is a name with a closed set of values; the first
 * value of each is the default, which is the stand-in's behaviour before modes existed. Set per instance at start
 * (`ClerkStandinOptions.modes`, `CLERK_STANDIN_MODES` for `npm start`) or over the control API (`POST /__standin/modes`).
 *
 * - `dead_keys`: verify of a revoked or expired key, M2M token or opaque OAuth access token. `not_found`: 404, like an
 *   unknown secret. `flagged`: 200 with the object, `revoked: true` (with its `revocation_reason`) or `expired: true`;
 *   the spec's verify answers carry both flags, so a 200 for a dead credential is an answer it allows. For an expired
 *   OAuth JWT access token, `flagged` is the spec's other 200, `{"active": false}`.
 * - `second_revoke`: revoke of a key or M2M token already revoked, or OAuth `revoke_token` of a token whose grant is
 *   revoked. `idempotent`: 200 unchanged (204 for `revoke_token`). `refused`: 400 `ClerkErrors`, no effect (400 is
 *   among both revokes' documented answers).
 * - `odd_secrets`: verify of a secret the instance does not hold and that is not shaped like the secrets it issues
 *   (`isIssuedSecretShape`). `not_found`: 404. `bad_request`: 400 `ClerkErrors`. `unprocessable`: 422 `ClerkErrors`,
 *   which the spec does NOT list for verify (only 200, 400, 404); Clerk answers 422 on other Backend API endpoints, so
 *   it stands for an undocumented answer a client must still survive.
 * - `unknown_routes`: a path the stand-in does not serve (a wrong `CLERK_API_URL` prefix). `clerk_error`: 401 or 404
 *   `ClerkErrors` after authentication, as Clerk's API host answers. `bare`: a 404 `text/plain` "Not Found" before
 *   any authentication, as a proxy or a wrong host answers: nothing in it says Clerk looked for anything.
 */
import * as v from "valibot";

/** Every mode and its values, the default first. */
export const MODE_VALUES = {
  dead_keys: ["not_found", "flagged"],
  second_revoke: ["idempotent", "refused"],
  odd_secrets: ["not_found", "bad_request", "unprocessable"],
  unknown_routes: ["clerk_error", "bare"],
} as const;

export type ModeName = keyof typeof MODE_VALUES;
/** One value for every mode. */
export type Modes = { [K in ModeName]: (typeof MODE_VALUES)[K][number] };

const MODE_NAMES = Object.keys(MODE_VALUES) as ModeName[];

/** The defaults: the stand-in's behaviour before modes existed. */
export const DEFAULT_MODES: Readonly<Modes> = {
  dead_keys: "not_found",
  second_revoke: "idempotent",
  odd_secrets: "not_found",
  unknown_routes: "clerk_error",
};

/** Any subset of the modes, as the control API and the options take them. */
export const ModesInputSchema = v.strictObject({
  dead_keys: v.optional(v.picklist(MODE_VALUES.dead_keys)),
  second_revoke: v.optional(v.picklist(MODE_VALUES.second_revoke)),
  odd_secrets: v.optional(v.picklist(MODE_VALUES.odd_secrets)),
  unknown_routes: v.optional(v.picklist(MODE_VALUES.unknown_routes)),
});
export type ModesInput = v.InferOutput<typeof ModesInputSchema>;

type Parsed = { ok: true; value: ModesInput } | { ok: false; issues: string[] };

/**
 * Validates a subset of the modes. Each issue names the mode and the values it takes, or the mode names there are;
 * none repeats what was sent, not even an unknown name.
 */
export function parseModes(input: unknown): Parsed {
  const notAnObject = `modes: expected an object with any of ${MODE_NAMES.join(", ")}`;
  // valibot's object schemas take an array for an object with no keys.
  if (Array.isArray(input)) return { ok: false, issues: [notAnObject] };
  const result = v.safeParse(ModesInputSchema, input);
  if (result.success) return { ok: true, value: result.output };
  const issues = result.issues.map((issue) => {
    const key = issue.path?.[0]?.key;
    const name = MODE_NAMES.find((n) => n === key);
    if (name) return `${name}: expected one of ${MODE_VALUES[name].join(", ")}`;
    if (issue.path?.length) return `unknown mode: expected one of ${MODE_NAMES.join(", ")}`;
    return notAnObject;
  });
  return { ok: false, issues: [...new Set(issues)] };
}

/**
 * Parses the `name=value,name=value` form of `CLERK_STANDIN_MODES` (spaces around either are ignored; an empty
 * setting is no modes). Throws with the issues of `parseModes` when a name or value is unknown.
 */
export function parseModesSetting(setting: string): ModesInput {
  const entries: [string, string][] = [];
  const issues: string[] = [];
  for (const part of setting.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    if (eq < 0) {
      issues.push(`expected name=value pairs separated by commas, names among ${MODE_NAMES.join(", ")}`);
      continue;
    }
    entries.push([part.slice(0, eq).trim(), part.slice(eq + 1).trim()]);
  }
  const parsed = parseModes(Object.fromEntries(entries));
  if (parsed.ok && issues.length === 0) return parsed.value;
  if (!parsed.ok) issues.push(...parsed.issues);
  throw new Error(`invalid modes: ${[...new Set(issues)].join("; ")}`);
}

/** The modes of one stand-in instance. */
export interface ModeSwitch {
  /** A copy of every mode's value. */
  current(): Modes;
  /** Changes the modes named; the others keep their value. */
  set(modes: ModesInput): Modes;
  /** Back to the start's modes: the defaults overlaid with the options' `modes`. */
  reset(): void;
}

/** Builds the modes of an instance started with `initial` (validated: a typo in a test's options throws). */
export function createModeSwitch(initial: Partial<Modes> = {}): ModeSwitch {
  const parsed = parseModes(initial);
  if (!parsed.ok) throw new Error(`invalid modes: ${parsed.issues.join("; ")}`);
  const start: Modes = { ...DEFAULT_MODES, ...parsed.value };
  let modes: Modes = { ...start };
  return {
    current: () => ({ ...modes }),
    set(next) {
      const named = Object.entries(next).filter(([, value]) => value !== undefined);
      modes = { ...modes, ...Object.fromEntries(named) };
      return { ...modes };
    },
    reset() {
      modes = { ...start };
    },
  };
}
