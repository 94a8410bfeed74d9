/**
 * @module
 * Reads and validates the Worker's environment once per isolate (valibot) and hands out typed config.
 * A misconfigured deployment fails loudly in the logs and answers 503, never silently drops alerts.
 */
import * as v from "valibot";
import { err, ok, type Result } from "./lib/result";

const httpUrl = v.pipe(v.string(), v.trim(), v.url(), v.regex(/^https?:\/\//, "must be an http(s) URL"));
const optionalSecret = v.optional(v.pipe(v.string(), v.trim(), v.minLength(1)));
/** An optional setting where an empty string (the wrangler.toml placeholder) means "not set". */
const unsetIfEmpty = <T extends v.GenericSchema<string, unknown>>(schema: T) =>
  v.optional(
    v.union([
      v.pipe(
        v.literal(""),
        v.transform(() => undefined),
      ),
      schema,
    ]),
  );
const headerName = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^[A-Za-z0-9-]{1,100}$/, "must be an HTTP header name"),
);
const standardWebhooksSecret = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, "must be a Standard Webhooks secret: whsec_ then base64"),
);

const EnvSchema = v.object({
  CLERK_SECRET_KEY: v.pipe(
    v.string("CLERK_SECRET_KEY is not set"),
    v.trim(),
    v.regex(/^sk_(live|test)_\S+$/, "CLERK_SECRET_KEY must look like sk_live_... or sk_test_..."),
  ),
  CLERK_API_URL: v.optional(httpUrl, "https://api.clerk.com"),
  GITHUB_KEYS_URL: v.optional(httpUrl, "https://api.github.com/meta/public_keys/secret_scanning"),
  GITHUB_TOKEN: optionalSecret,
  GITLAB_KEYS_URL: unsetIfEmpty(httpUrl),
  DEPSDEV_KEYS_URL: v.optional(
    httpUrl,
    "https://storage.googleapis.com/depsdev-gcp-public-keys/secret_scanning",
  ),
  DEPSDEV_IDENTIFIER_HEADER: v.optional(headerName, "DepsDev-Public-Key-Identifier"),
  DEPSDEV_SIGNATURE_HEADER: v.optional(headerName, "DepsDev-Public-Key-Signature"),
  INBOUND_WEBHOOK_SECRET: unsetIfEmpty(standardWebhooksSecret),
  NOTIFY_URL: unsetIfEmpty(httpUrl),
  NOTIFY_SECRET: unsetIfEmpty(standardWebhooksSecret),
  ADMIN_TOKEN: unsetIfEmpty(
    v.pipe(v.string(), v.minLength(32, "ADMIN_TOKEN must be at least 32 characters")),
  ),
  /**
   * Clerk requests per 10 s shared by every caller of this deployment. Unset: Clerk's own limit for the key's
   * kind (see `clerkRateLimit`).
   */
  CLERK_RATE_LIMIT: unsetIfEmpty(
    v.pipe(
      v.string(),
      v.trim(),
      v.transform(Number),
      v.integer("CLERK_RATE_LIMIT must be a whole number of requests per 10 s"),
      v.minValue(1),
      v.maxValue(1_000_000),
    ),
  ),
  /** How long real Clerk failures may last, from the first, before an incident ends `failed`. */
  GIVE_UP_AFTER_HOURS: v.optional(
    v.pipe(
      v.union([v.string(), v.number()]),
      v.transform(Number),
      v.number("GIVE_UP_AFTER_HOURS must be a number of hours"),
      v.minValue(0.001),
      v.maxValue(24 * 30),
    ),
    24,
  ),
  /** First retry delay for Clerk failures; tests and load drills lower it. */
  RETRY_BASE_DELAY_SECONDS: v.optional(
    v.pipe(
      v.union([v.string(), v.number()]),
      v.transform(Number),
      v.integer(),
      v.minValue(1),
      v.maxValue(3600),
    ),
    10,
  ),
});

/** The validated configuration. */
export type Config = v.InferOutput<typeof EnvSchema>;

/** Clerk's Backend API limits, requests per 10 s: production instances, development instances. */
export const CLERK_LIMIT_LIVE_PER_10S = 1_000;
export const CLERK_LIMIT_TEST_PER_10S = 100;

/** The Clerk budget per 10 s: `CLERK_RATE_LIMIT`, else Clerk's limit for a production or development key. */
export function clerkRateLimit(config: Pick<Config, "CLERK_RATE_LIMIT" | "CLERK_SECRET_KEY">): number {
  if (config.CLERK_RATE_LIMIT !== undefined) return config.CLERK_RATE_LIMIT;
  return config.CLERK_SECRET_KEY.startsWith("sk_live_") ? CLERK_LIMIT_LIVE_PER_10S : CLERK_LIMIT_TEST_PER_10S;
}

const cache = new WeakMap<object, Result<Config, string>>();

/**
 * Validates `env` once per env object (one per isolate in production) and caches the answer.
 * The error names the offending variables but never their values.
 */
export function readConfig(env: object): Result<Config, string> {
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = v.safeParse(EnvSchema, env);
  const result = parsed.success
    ? ok(parsed.output)
    : err(parsed.issues.map((i) => `${v.getDotPath(i) ?? "env"}: ${i.message}`).join("; "));
  cache.set(env, result);
  return result;
}
