/**
 * @module
 * Reads and validates the Worker's environment once per isolate (valibot) and hands out typed config.
 *
 * Two kinds of setting. Core settings are what every revocation needs (Clerk's key and API, the sealing keyring, the
 * retry delay): a bad one makes the whole API answer 503, and queue batches and crons fail to be retried later. Every
 * optional feature (a sender, notifications, the operators' API) is validated on its own: a bad setting switches off
 * that feature alone, so a typo in, say, NOTIFY_SECRET can never stop GitHub alerts from revoking keys. Problems name
 * the variables, never their values.
 */
import * as v from "valibot";
import { isSlackWebhook } from "../domain/notify-event";
import { emptyAsUnset } from "../lib/empty-as-unset";
import { err, ok, type Result } from "../lib/result";
import { type ClerkInstanceKey, clerkInstancesOf, SECRET_KEY } from "./clerk-instances";
import {
  accessTeamDomain,
  clerkApiUrl,
  clerkInstanceList,
  emailAddress,
  githubAppId,
  githubAppPrivateKey,
  githubWebhookSecret,
  headerName,
  sealingKeyring,
  secretToken,
  serviceUrl,
  standardWebhooksSecret,
} from "./fields";

const CoreSchema = v.object(
  {
    /** One Clerk instance, named `default`; with CLERK_SECRET_KEYS it joins the list (see `clerkInstancesOf`). */
    CLERK_SECRET_KEY: emptyAsUnset(
      v.pipe(
        v.string("must be a string"),
        v.trim(),
        v.regex(SECRET_KEY, "must look like sk_live_... or sk_test_..."),
      ),
    ),
    /** Several Clerk instances, `name=sk_...` separated by commas or newlines. */
    CLERK_SECRET_KEYS: v.optional(clerkInstanceList),
    /**
     * The keyring that seals secrets waiting for their Clerk key id. Required and core: without it no pending secret
     * can be stored or opened, and wrangler.toml lists it under `[secrets] required`, so a deploy without it fails.
     */
    SEALING_KEYS: sealingKeyring,
    CLERK_API_URL: v.optional(clerkApiUrl, "https://api.clerk.com"),
    /** First retry delay for Clerk failures; tests and load drills lower it. */
    RETRY_BASE_DELAY_SECONDS: v.optional(
      v.pipe(
        v.union([v.string(), v.number()], "must be a whole number of seconds"),
        v.transform(Number),
        v.integer("must be a whole number of seconds"),
        v.minValue(1, "must be at least 1"),
        v.maxValue(3600, "must be at most 3600"),
      ),
      10,
    ),
    /**
     * Clerk requests per 10 s shared by every caller of this deployment. Unset: Clerk's own limit for the key's
     * kind (see `clerkRateLimit`).
     */
    CLERK_RATE_LIMIT: emptyAsUnset(
      v.pipe(
        v.string("must be a whole number of requests per 10 s"),
        v.trim(),
        v.transform(Number),
        v.integer("must be a whole number of requests per 10 s"),
        v.minValue(1, "must be at least 1"),
        v.maxValue(1_000_000, "must be at most 1000000"),
      ),
    ),
    /**
     * How long pending work may sit past its due time before the sweeper takes its queue message for lost and queues
     * it again (and a notification still owed, likewise). The cron runs every 5 minutes, so the default matches it;
     * `npm start`, whose local queue forgets its messages on every restart, sweeps far more often and lowers it to
     * its interval.
     */
    SWEEP_GRACE_SECONDS: v.optional(
      v.pipe(
        v.union([v.string(), v.number()], "must be a whole number of seconds"),
        v.transform(Number),
        v.integer("must be a whole number of seconds"),
        v.minValue(1, "must be at least 1"),
        v.maxValue(86_400, "must be at most 86400"),
      ),
      // STRANDED_GRACE_MS of use-cases/sweep.ts, which the tests of the production timing use.
      300,
    ),
    /**
     * Days a false positive (`ignored`, `not_found`) is kept after it was last seen, with its sightings and attempts.
     * It holds no secret and matters only for replays: seen again later, it is recorded afresh. At least the 30 days
     * the overview covers, so its charts and a month's replays still find them.
     */
    FALSE_POSITIVE_RETENTION_DAYS: retentionDays(30, 90),
    /** Days each Clerk call's attempt row is kept; the incident keeps its counts, last error and trace id. */
    ATTEMPT_RETENTION_DAYS: retentionDays(1, 90),
    /** How long real Clerk failures may last, from the first, before an incident ends `failed`. */
    GIVE_UP_AFTER_HOURS: v.optional(
      v.pipe(
        v.union([v.string(), v.number()], "must be a number of hours"),
        v.transform(Number),
        v.number("must be a number of hours"),
        v.minValue(0.001, "must be at least 0.001"),
        v.maxValue(24 * 30, "must be at most 720"),
      ),
      24,
    ),
  },
  // valibot reports a missing key with the object's message.
  "is not set",
);

/** A number of whole days, `min` to ten years, `fallback` when unset. */
function retentionDays(min: number, fallback: number) {
  return v.optional(
    v.pipe(
      v.union([v.string(), v.number()], "must be a whole number of days"),
      v.transform(Number),
      v.integer("must be a whole number of days"),
      v.minValue(min, `must be at least ${min}`),
      v.maxValue(3650, "must be at most 3650"),
    ),
    fallback,
  );
}

/** Clerk's Backend API limits, requests per 10 s: production instances, development instances. */
export const CLERK_LIMIT_LIVE_PER_10S = 1_000;
export const CLERK_LIMIT_TEST_PER_10S = 100;

/**
 * One instance's Clerk budget per 10 s: `CLERK_RATE_LIMIT`, else Clerk's limit for a production or development key.
 * Clerk limits each instance on its own, so `CLERK_RATE_LIMIT` is the budget of each instance, not of all together.
 */
export function clerkRateLimit(config: { CLERK_RATE_LIMIT?: number | undefined }, secretKey: string): number {
  if (config.CLERK_RATE_LIMIT !== undefined) return config.CLERK_RATE_LIMIT;
  return secretKey.startsWith("sk_live_") ? CLERK_LIMIT_LIVE_PER_10S : CLERK_LIMIT_TEST_PER_10S;
}

/**
 * A pre-shared token a caller presents (ADMIN_TOKEN, GITLAB_REVOCATION_TOKEN). Trimmed: `echo token | wrangler secret
 * put` adds a newline that no Authorization header carries.
 */
const sharedToken = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.minLength(32, "must be at least 32 characters"),
  v.regex(/^\S+$/, "must not contain whitespace"),
);

/** Each optional feature and its settings. A feature whose settings do not all validate is switched off whole. */
const FEATURES = {
  github: v.object({
    GITHUB_KEYS_URL: v.optional(serviceUrl, "https://api.github.com/meta/public_keys/secret_scanning"),
  }),
  /** Only raises GitHub's rate limit: without it the list is fetched unauthenticated. */
  github_token: v.object({ GITHUB_TOKEN: v.optional(secretToken) }),
  gitlab: v.object({ GITLAB_KEYS_URL: emptyAsUnset(serviceUrl) }),
  depsdev: v.object({
    DEPSDEV_KEYS_URL: v.optional(
      serviceUrl,
      "https://storage.googleapis.com/depsdev-gcp-public-keys/secret_scanning",
    ),
    DEPSDEV_IDENTIFIER_HEADER: v.optional(headerName, "DepsDev-Public-Key-Identifier"),
    DEPSDEV_SIGNATURE_HEADER: v.optional(headerName, "DepsDev-Public-Key-Signature"),
  }),
  generic: v.object({ INBOUND_WEBHOOK_SECRET: emptyAsUnset(standardWebhooksSecret) }),
  notify: v.pipe(
    v.object({
      NOTIFY_URL: emptyAsUnset(serviceUrl),
      NOTIFY_SECRET: emptyAsUnset(standardWebhooksSecret),
    }),
    // Unsigned events would be refused by every receiver but Slack's incoming webhooks, which take no signature.
    v.forward(
      v.partialCheck(
        [["NOTIFY_URL"], ["NOTIFY_SECRET"]],
        (c) => c.NOTIFY_URL === undefined || c.NOTIFY_SECRET !== undefined || isSlackWebhook(c.NOTIFY_URL),
        "must be set when NOTIFY_URL is not a Slack incoming webhook",
      ),
      ["NOTIFY_SECRET"],
    ),
  ),
  admin: v.object({ ADMIN_TOKEN: emptyAsUnset(sharedToken) }),
  /**
   * A GitHub App of the customer's, for its org's own secret scanning: all three of id, private key and webhook
   * secret, or none (half an App can neither verify a delivery nor read the alert it points at).
   */
  github_app: v.pipe(
    v.object({
      GITHUB_APP_ID: emptyAsUnset(githubAppId),
      GITHUB_APP_PRIVATE_KEY: emptyAsUnset(githubAppPrivateKey),
      GITHUB_APP_WEBHOOK_SECRET: emptyAsUnset(githubWebhookSecret),
      GITHUB_API_URL: v.optional(serviceUrl, "https://api.github.com"),
    }),
    v.forward(
      v.partialCheck(
        [["GITHUB_APP_ID"], ["GITHUB_APP_PRIVATE_KEY"], ["GITHUB_APP_WEBHOOK_SECRET"]],
        (c) =>
          (c.GITHUB_APP_ID === undefined) === (c.GITHUB_APP_PRIVATE_KEY === undefined) &&
          (c.GITHUB_APP_ID === undefined) === (c.GITHUB_APP_WEBHOOK_SECRET === undefined),
        "GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_WEBHOOK_SECRET must be set together",
      ),
      ["GITHUB_APP_ID"],
    ),
  ),
  /**
   * The owner's email (issue 26): its sender and reply-to. On only with OWNER_EMAIL_FROM set and the EMAIL binding
   * there (wiring.ts checks the binding); a reply-to without a sender is a mistake worth saying.
   */
  owner_email: v.pipe(
    v.object({
      OWNER_EMAIL_FROM: emptyAsUnset(emailAddress),
      OWNER_EMAIL_REPLY_TO: emptyAsUnset(emailAddress),
    }),
    v.forward(
      v.partialCheck(
        [["OWNER_EMAIL_FROM"], ["OWNER_EMAIL_REPLY_TO"]],
        (c) => c.OWNER_EMAIL_REPLY_TO === undefined || c.OWNER_EMAIL_FROM !== undefined,
        "needs OWNER_EMAIL_FROM: without a sender no owner email is sent",
      ),
      ["OWNER_EMAIL_REPLY_TO"],
    ),
  ),
  /** A self-managed GitLab's Token Revocation API calls: the pre-shared token it sends in `Authorization`. */
  gitlab_revocation: v.object({ GITLAB_REVOCATION_TOKEN: emptyAsUnset(sharedToken) }),
  /**
   * Cloudflare Access in front of the console and the operators' API. Both or neither: an audience without a team
   * (or the reverse) cannot verify a token, and falling back to token sign-in would quietly weaken what the operator
   * set up, so half a setting switches the console off instead.
   */
  access: v.pipe(
    v.object({
      ACCESS_TEAM_DOMAIN: emptyAsUnset(accessTeamDomain),
      ACCESS_AUD: emptyAsUnset(
        v.pipe(
          v.string("must be a string"),
          v.trim(),
          v.regex(/^[\x21-\x7e]{1,256}$/, "must be the Access application's audience tag"),
        ),
      ),
    }),
    v.forward(
      v.partialCheck(
        [["ACCESS_TEAM_DOMAIN"], ["ACCESS_AUD"]],
        (c) => (c.ACCESS_TEAM_DOMAIN === undefined) === (c.ACCESS_AUD === undefined),
        "must be set together with ACCESS_TEAM_DOMAIN",
      ),
      ["ACCESS_AUD"],
    ),
  ),
};

/** An optional feature that a bad setting can switch off. Senders share their names with `SenderName`. */
export type Feature = keyof typeof FEATURES;

const FEATURE_NAMES = Object.keys(FEATURES) as Feature[];

/** `A | B | C` to `A & B & C`: the settings of every feature in one object type. */
type Intersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type FeatureSettings = Intersection<{ [F in Feature]: v.InferOutput<(typeof FEATURES)[F]> }[Feature]>;

/**
 * The validated configuration. A switched-off feature's settings are all absent, and `misconfigured` says why:
 * its problems, naming the variables, never their values.
 */
export type Config = v.InferOutput<typeof CoreSchema> &
  Partial<FeatureSettings> & {
    misconfigured: Partial<Record<Feature, string>>;
    /** Every Clerk instance watched, production (`sk_live_`) first: the order tokens are verified in. */
    clerkInstances: ClerkInstanceKey[];
  };

/**
 * valibot's fallback message quotes the value it received. A setting may be a secret, so every check without a
 * message of its own gets this one instead. One problem per variable is enough to act on.
 */
const PARSE_OPTIONS = { message: "is not valid", abortPipeEarly: true } as const;

function problemsOf(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues.map((i) => `${v.getDotPath(i) ?? "env"} ${i.message}`).join("; ");
}

const cache = new WeakMap<object, Result<Config, string>>();

/** Whether `env` holds a non-blank string under `name`. */
function isSet(env: object, name: string): boolean {
  const value: unknown = (env as Record<string, unknown>)[name];
  return typeof value === "string" && value.trim() !== "";
}

/**
 * Validates `env` once per env object (one per isolate in production) and caches the answer: an error only when a
 * core setting is bad (it lists every problem, the features' too), otherwise the config with its switched-off
 * features.
 */
export function readConfig(env: object): Result<Config, string> {
  const cached = cache.get(env);
  if (cached) return cached;
  const core = v.safeParse(CoreSchema, env, PARSE_OPTIONS);
  const misconfigured: Partial<Record<Feature, string>> = {};
  const settings: Partial<FeatureSettings> = {};
  for (const feature of FEATURE_NAMES) {
    const parsed = v.safeParse(FEATURES[feature], env, PARSE_OPTIONS);
    if (parsed.success) Object.assign(settings, parsed.output);
    else misconfigured[feature] = problemsOf(parsed.issues);
  }
  // Which instances, once both settings parse; when something else failed, at least say that neither is set.
  const instances = core.success
    ? clerkInstancesOf(core.output.CLERK_SECRET_KEY, core.output.CLERK_SECRET_KEYS)
    : !isSet(env, "CLERK_SECRET_KEY") && !isSet(env, "CLERK_SECRET_KEYS")
      ? clerkInstancesOf(undefined, undefined)
      : undefined;
  const problems = [
    ...(core.success ? [] : [problemsOf(core.issues)]),
    ...(instances?.ok === false ? [instances.error] : []),
  ];
  const result =
    core.success && instances?.ok
      ? ok({ ...core.output, ...settings, misconfigured, clerkInstances: instances.value })
      : err([...problems, ...Object.values(misconfigured)].join("; "));
  cache.set(env, result);
  return result;
}
