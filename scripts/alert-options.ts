/**
 * @module
 * `npm run alert`'s command line: argv in, the options (or a request for help, or a usage error) out. Pure, so every
 * option and every refusal is tested on its own (scripts/alert-options.test.ts).
 */
import { parseArgs } from "node:util";
import * as v from "valibot";
import { err, ok, type Result } from "../src/lib/result.ts";
import { SENDERS } from "./alert-target.ts";

/**
 * The most random secrets `--count` adds: 20,000 matches make a body of about 3 MiB, under the Worker's 5 MiB
 * body limit with room for long `--url` and `--type` values.
 */
export const MAX_RANDOM_SECRETS = 20_000;

/** Where a made-up leak was found, when `--url` is not given. */
export const DEFAULT_LEAK_URL = "https://github.com/autorevoke-demo/webapp/blob/main/.env";

/** What `npm run alert -- --help` prints. */
export const HELP = `Sign a secret-scanning alert and send it to autorevoke (the local \`npm start\` stack by default).

Usage: npm run alert -- [options]       (the -- keeps npm from eating the options)

  --token SECRET     a leaked token to report; repeat for several. Default: one live demo key
  --instance NAME    with no --token, a demo key of this Clerk instance: prod or staging (npm start runs both)
  --kind KIND        with no --token, a credential of this kind (npm start's Clerk stand-in mints a fresh one
                     in the --instance, staging by default): api-key (default: a demo key), m2m (an opaque M2M
                     token), machine-secret (a new machine's secret key), oauth (an opaque OAuth access token),
                     m2m-jwt (an M2M JWT), oauth-jwt (an OAuth JWT access token). Clerk cannot revoke the JWTs
  --count N          add N random ak_ secrets (unknown to Clerk), mixed with all demo keys
  --type NAME        token type in the alert (default clerk_api_key)
  --url URL          where the token was found (default a made-up GitHub blob URL)
  --source NAME      where in the repository (default content)
  --sender NAME      github | gitlab | depsdev (ECDSA, dev signing key) | generic (Standard Webhooks) |
                     github-app (a GitHub App's delivery: opens the alert in npm start's GitHub stand-in first,
                     signs with --webhook-secret or the local App's); default github
  --target URL       the Worker's base URL or a full …/v1/alerts/<sender> URL (default: the running npm start)
  --key-file FILE    ECDSA signing key, a JWK (default .wrangler/autorevoke-dev/signing-key.json, made by npm start)
  --webhook-secret S whsec_ secret for --sender generic (default: the local stack's)
  --from SCANNER FILE  send a scanner's report instead: gitleaks (its JSON report) or trufflehog (its --json
                     lines). Findings that cannot be Clerk secrets are left out; each sighting is the finding's
                     file, commit and line. Sent as one generic alert (Standard Webhooks)
  --clerk-standin URL  Clerk stand-in to ask what happened (default: the running npm start's; "" for none)
  --github-standin URL GitHub API stand-in for --sender github-app (default: the running npm start's)
  -h, --help         this text

Examples:
  npm run alert
  npm run alert -- --instance prod
  npm run alert -- --kind m2m
  npm run alert -- --kind oauth-jwt
  npm run alert -- --token ak_thisIsNotAKnownSecret123456 --token ghp_notClerkAtAll
  npm run alert -- --count 1000
  npm run alert -- --sender generic
  npm run alert -- --sender github-app
  npm run alert -- --from gitleaks gitleaks-report.json
  npm run alert -- --from trufflehog trufflehog.jsonl --target https://autorevoke.example.workers.dev --webhook-secret whsec_…
  npm run alert -- --target https://autorevoke.example.workers.dev     (see README: deployed Workers use GitHub's keys)

Exit status: 0 when the Worker answers 2xx, 2 for a bad option, 1 otherwise.`;

const OPTIONS = {
  token: { type: "string", multiple: true },
  instance: { type: "string" },
  kind: { type: "string" },
  count: { type: "string" },
  type: { type: "string" },
  url: { type: "string" },
  source: { type: "string" },
  sender: { type: "string" },
  target: { type: "string" },
  "key-file": { type: "string" },
  "webhook-secret": { type: "string" },
  "clerk-standin": { type: "string" },
  "github-standin": { type: "string" },
  from: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** `--sender`'s values: the alert routes' senders, and `github-app` (a GitHub App's webhook delivery). */
const OPTION_SENDERS = [...SENDERS, "github-app"] as const;

/** `--kind`'s values: the Clerk credential kinds an alert can carry when no `--token` is given. */
export const ALERT_KINDS = ["api-key", "m2m", "machine-secret", "oauth", "m2m-jwt", "oauth-jwt"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** The scanners whose reports `--from` reads. */
export const SCANNERS = ["gitleaks", "trufflehog"] as const;

const ArgsSchema = v.object({
  token: v.optional(v.array(v.pipe(v.string(), v.minLength(1, "--token must not be empty"))), []),
  count: v.optional(
    v.pipe(
      v.string(),
      v.transform(Number),
      v.integer("--count must be a whole number"),
      v.minValue(0, "--count must be 0 or more"),
      v.maxValue(
        MAX_RANDOM_SECRETS,
        `--count is capped at ${MAX_RANDOM_SECRETS} (the Worker's 5 MiB body limit)`,
      ),
    ),
    "0",
  ),
  instance: v.optional(v.picklist(["prod", "staging"], "--instance must be prod or staging")),
  kind: v.optional(v.picklist(ALERT_KINDS, `--kind must be one of ${ALERT_KINDS.join(", ")}`), "api-key"),
  type: v.optional(v.pipe(v.string(), v.minLength(1, "--type must not be empty")), "clerk_api_key"),
  url: v.optional(v.string(), DEFAULT_LEAK_URL),
  source: v.optional(v.string(), "content"),
  sender: v.optional(
    v.picklist(OPTION_SENDERS, `--sender must be one of ${OPTION_SENDERS.join(", ")}`),
    "github",
  ),
  target: v.optional(v.pipe(v.string(), v.url("--target must be a URL"))),
  "key-file": v.optional(v.string()),
  "webhook-secret": v.optional(v.pipe(v.string(), v.minLength(1, "--webhook-secret must not be empty"))),
  "clerk-standin": v.optional(v.string()),
  "github-standin": v.optional(v.pipe(v.string(), v.url("--github-standin must be a URL"))),
  from: v.optional(v.picklist(SCANNERS, `--from must be one of ${SCANNERS.join(", ")}`)),
  help: v.optional(v.boolean(), false),
});

/** What `--from` needs beside it, and what it cannot be combined with (it brings its own tokens and sightings). */
const FROM_USAGE = "--from needs the report's file: npm run alert -- --from gitleaks report.json";
const FROM_EXCLUDES = ["token", "count", "instance", "kind", "type", "url", "source"] as const;

/**
 * Everything `npm run alert` was asked to do; unset options are `undefined` where a default depends on the stack.
 * `report` is the file `--from` reads.
 */
export type AlertOptions = Omit<v.InferOutput<typeof ArgsSchema>, "help"> & { report?: string };

/** What the command line asks for. */
export type AlertCommand = { kind: "help" } | { kind: "send"; options: AlertOptions };

/** A command line that cannot be run; `message` says why, one line per problem. */
export interface UsageError {
  kind: "usage";
  message: string;
}

/**
 * Reads `npm run alert`'s arguments (argv without `node` and the script). Every option is checked before `--help` is
 * looked at, so a line with a bad option is refused even when it asks for help.
 */
export function parseAlertOptions(argv: readonly string[]): Result<AlertCommand, UsageError> {
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      strict: true,
      allowPositionals: true,
    }));
  } catch (error) {
    return usage(argumentProblem(error));
  }
  // A bare argument is only ever --from's report; anywhere else it is most often a token passed without --token,
  // which must not be printed back.
  if (values.from === undefined && positionals.length > 0) {
    return usage("unexpected argument: options only (pass a token with --token)");
  }
  if (values.from !== undefined) {
    if (positionals.length !== 1) return usage(FROM_USAGE);
    const clash = FROM_EXCLUDES.find((name) => values[name] !== undefined);
    if (clash) return usage(`--from brings its own tokens and sightings: drop --${clash}`);
    if (values.sender !== undefined && values.sender !== "generic") {
      return usage("--from sends to the generic route: drop --sender, or make it generic");
    }
  }
  const parsed = v.safeParse(ArgsSchema, values, { abortPipeEarly: true });
  if (!parsed.success) {
    return err({ kind: "usage", message: parsed.issues.map((issue) => issue.message).join("\n") });
  }
  const { help, ...options } = parsed.output;
  // A Standard Webhooks secret for the generic sender; a GitHub App's webhook secret is any string.
  const secret = options["webhook-secret"];
  if (secret !== undefined && options.sender !== "github-app" && !secret.startsWith("whsec_")) {
    return err({ kind: "usage", message: "--webhook-secret must start with whsec_" });
  }
  if (help) return ok({ kind: "help" });
  const report = positionals[0];
  return ok({
    kind: "send",
    options: report === undefined ? options : { ...options, sender: "generic", report },
  });
}

/** A refusal that points at `--help`. */
function usage(problem: string): Result<never, UsageError> {
  return err({ kind: "usage", message: `${problem}\nRun \`npm run alert -- --help\` for the options.` });
}

/** parseArgs' own message (a bare argument never reaches it: positionals are allowed, and checked above). */
function argumentProblem(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
