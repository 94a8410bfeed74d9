/**
 * @module
 * `npm run alert`: signs a partner alert the way a sender would and posts it to autorevoke (the local stack by
 * default), then prints per token what the answer means. Run `npm run alert -- --help` for the options.
 */
import { Webhook } from "standardwebhooks";
import * as v from "valibot";
import { DEMO_KEYS, PROD_DEMO_KEYS } from "../dev/clerk-standin.ts";
import {
  DEFAULT_DEV_DIR,
  DEFAULT_PORTS,
  LOCAL_INBOUND_WEBHOOK_SECRET,
  readSigningKey,
  repoRoot,
  SIGNING_KEY_FILE,
  STACK_FILE,
  type StackFile,
  StackFileSchema,
} from "../dev/local-stack.ts";
import { isNodeError, node } from "../dev/node-runtime.ts";
import { createAlertRequest } from "../dev/signer.ts";
import { BASE62_ALPHABET, randomHex, randomString, sha256Hex } from "../dev/standin-util.ts";
import {
  alertUrl,
  FeedbackSchema,
  type Row,
  renderReport,
  rowsFor,
  SENDERS,
  type Sender,
  tally,
} from "./alert-report.ts";

/** How long to wait for the answer; the Worker answers within its 8 s inline deadline plus queueing. */
const RESPONSE_TIMEOUT_MS = 60_000;
/** Batches at least this big report their phases on stderr. */
const PROGRESS_MIN_TOKENS = 50;
/** Random part of generated secrets: the Clerk stand-in's own shape (`ak_` + 40 base62). */
const RANDOM_SECRET_CHARS = 40;
const STANDIN_TIMEOUT_MS = 3_000;

const rt = await node();
const { process, path, fs } = rt;
const root = await repoRoot();

function exit(code: number): never {
  return rt.process.exit(code);
}

function fail(message: string, code = 1): never {
  process.stderr.write(`npm run alert: ${message}\n`);
  return exit(code);
}

const HELP = `Sign a secret-scanning alert and send it to autorevoke (the local \`npm start\` stack by default).

Usage: npm run alert -- [options]       (the -- keeps npm from eating the options)

  --token SECRET     a leaked token to report; repeat for several. Default: one live demo key
  --instance NAME    with no --token, a demo key of this Clerk instance: prod or staging (npm start runs both)
  --count N          add N random ak_ secrets (unknown to Clerk), mixed with all demo keys
  --type NAME        token type in the alert (default clerk_api_key)
  --url URL          where the token was found (default a made-up GitHub blob URL)
  --source NAME      where in the repository (default content)
  --sender NAME      github | gitlab | depsdev (ECDSA, dev signing key) | generic (Standard Webhooks); default github
  --target URL       the Worker's base URL or a full …/v1/alerts/<sender> URL (default: the running npm start)
  --key-file FILE    ECDSA signing key, a JWK (default .wrangler/autorevoke-dev/signing-key.json, made by npm start)
  --webhook-secret S whsec_ secret for --sender generic (default: the local stack's)
  --clerk-standin URL  Clerk stand-in to ask what happened (default: the running npm start's; "" for none)
  -h, --help         this text

Examples:
  npm run alert
  npm run alert -- --instance prod
  npm run alert -- --token ak_thisIsNotAKnownSecret123456 --token ghp_notClerkAtAll
  npm run alert -- --count 1000
  npm run alert -- --sender generic
  npm run alert -- --target https://autorevoke.example.workers.dev     (see README: deployed Workers use GitHub's keys)

Exit status: 0 when the Worker answers 2xx, 1 otherwise.`;

// --- arguments -------------------------------------------------------------------------------------------------

let raw: ReturnType<typeof rt.util.parseArgs>;
try {
  raw = rt.util.parseArgs({
    args: process.argv.slice(2),
    options: {
      token: { type: "string", multiple: true },
      instance: { type: "string" },
      count: { type: "string" },
      type: { type: "string" },
      url: { type: "string" },
      source: { type: "string" },
      sender: { type: "string" },
      target: { type: "string" },
      "key-file": { type: "string" },
      "webhook-secret": { type: "string" },
      "clerk-standin": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
} catch (error) {
  fail(
    `${error instanceof Error ? error.message : String(error)}\nRun \`npm run alert -- --help\` for the options.`,
    2,
  );
}

const ArgsSchema = v.object({
  token: v.optional(v.array(v.pipe(v.string(), v.minLength(1, "--token must not be empty"))), []),
  count: v.optional(
    v.pipe(
      v.string(),
      v.transform(Number),
      v.integer("--count must be a whole number"),
      v.minValue(0, "--count must be 0 or more"),
      v.maxValue(20_000, "--count is capped at 20000 (the Worker's 5 MiB body limit)"),
    ),
    "0",
  ),
  instance: v.optional(v.picklist(["prod", "staging"], "--instance must be prod or staging")),
  type: v.optional(v.pipe(v.string(), v.minLength(1)), "clerk_api_key"),
  url: v.optional(v.string(), "https://github.com/autorevoke-demo/webapp/blob/main/.env"),
  source: v.optional(v.string(), "content"),
  sender: v.optional(v.picklist(SENDERS, `--sender must be one of ${SENDERS.join(", ")}`), "github"),
  target: v.optional(v.pipe(v.string(), v.url("--target must be a URL"))),
  "key-file": v.optional(v.string()),
  "webhook-secret": v.optional(
    v.pipe(v.string(), v.startsWith("whsec_", "--webhook-secret must start with whsec_")),
  ),
  "clerk-standin": v.optional(v.string()),
  help: v.optional(v.boolean(), false),
});
const parsedArgs = v.safeParse(ArgsSchema, raw.values, { abortPipeEarly: true });
if (!parsedArgs.success) fail(parsedArgs.issues.map((i) => i.message).join("\n"), 2);
const args = parsedArgs.output;
if (args.help) {
  console.log(HELP);
  exit(0);
}

// --- where to -------------------------------------------------------------------------------------------------

const devDir = path.resolve(root, process.env.AUTOREVOKE_DEV_DIR ?? DEFAULT_DEV_DIR);
const stack = await readStackFile(path.join(devDir, STACK_FILE));
const target = args.target ?? stack?.url ?? `http://127.0.0.1:${process.env.PORT ?? DEFAULT_PORTS.worker}`;
const url = alertUrl(target, args.sender);
// The stand-in is asked only about the stack it belongs to.
const standinUrl =
  args["clerk-standin"] ?? (stack && new URL(stack.url).origin === url.origin ? stack.clerk_url : "");

async function readStackFile(file: string): Promise<StackFile | undefined> {
  try {
    const parsed = v.safeParse(StackFileSchema, JSON.parse(await fs.readFile(file, "utf8")));
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}

// --- the Clerk stand-in (local stack only) -----------------------------------------------------------------------

const StandinKeysSchema = v.array(
  v.object({
    id: v.string(),
    name: v.string(),
    revoked: v.boolean(),
    revocation_reason: v.nullable(v.string()),
    revoke_count: v.number(),
  }),
);
const StandinCallsSchema = v.array(
  v.object({ operation: v.string(), status: v.number(), secretSha256: v.optional(v.string()) }),
);

async function askStandin<T extends v.GenericSchema>(
  what: string,
  schema: T,
): Promise<v.InferOutput<T> | undefined> {
  if (!standinUrl) return undefined;
  try {
    const res = await fetch(`${standinUrl}/__standin/${what}`, {
      signal: AbortSignal.timeout(STANDIN_TIMEOUT_MS),
    });
    if (!res.ok) return undefined;
    const parsed = v.safeParse(schema, await res.json());
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}

// --- what to send -------------------------------------------------------------------------------------------------

/**
 * The demo keys to choose from: `npm start` runs two Clerk instances, `staging` holding `DEMO_KEYS` and `prod`
 * holding `PROD_DEMO_KEYS`; a one-instance stack holds `DEMO_KEYS` only.
 */
const DEMO_CHOICES =
  args.instance === "prod"
    ? PROD_DEMO_KEYS
    : args.instance === "staging"
      ? DEMO_KEYS
      : [...DEMO_KEYS, ...PROD_DEMO_KEYS];

async function defaultDemoSecret(): Promise<string> {
  const keys = await askStandin("keys", StandinKeysSchema);
  const live = DEMO_CHOICES.find((demo) => keys?.some((k) => k.id === demo.id && !k.revoked));
  if (keys && !live) {
    console.log(
      "Every demo key is revoked already, so this resends the first one and the Worker answers from its " +
        "incident log.\nFor a fresh live key: curl -X POST " +
        `${standinUrl}/instances/staging/__standin/keys -d '{}' (npm start's two instances; ` +
        `${standinUrl}/__standin/keys with one) and pass its secret with --token; or stop npm start and delete ` +
        ".wrangler/state.\n",
    );
  }
  return (live ?? DEMO_CHOICES[0])?.secret ?? fail("no demo keys defined");
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = (crypto.getRandomValues(new Uint32Array(1))[0] ?? 0) % (i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

const tokens: string[] = [...args.token];
if (args.count > 0) {
  const random = Array.from(
    { length: args.count },
    () => `ak_${randomString(BASE62_ALPHABET, RANDOM_SECRET_CHARS)}`,
  );
  tokens.push(...shuffle([...(tokens.length === 0 ? DEMO_KEYS.map((k) => k.secret) : []), ...random]));
} else if (tokens.length === 0) {
  tokens.push(await defaultDemoSecret());
}

const big = tokens.length >= PROGRESS_MIN_TOKENS;
const progress = createProgress(process.stderr, big);

progress.phase(`signing ${tokens.length} matches (${args.sender})`);
const body = JSON.stringify(
  tokens.map((token) => ({ token, type: args.type, url: args.url, source: args.source })),
);
const headers = await signedHeaders(args.sender, body);
// The Worker dedupes by SHA-256 of the token, and labels by that hash: one row per distinct token.
const sent: { token: string; hash: string }[] = [];
const seen = new Set<string>();
for (const token of tokens) {
  const hash = await sha256Hex(token);
  if (!seen.has(hash)) sent.push({ token, hash });
  seen.add(hash);
}

async function signedHeaders(sender: Sender, payload: string): Promise<Record<string, string>> {
  if (sender === "generic") {
    const secret = args["webhook-secret"] ?? LOCAL_INBOUND_WEBHOOK_SECRET;
    const id = `msg_${randomHex(12)}`;
    const at = new Date();
    return {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": new Webhook(secret).sign(id, at, payload),
    };
  }
  const keyFile = path.resolve(args["key-file"] ?? path.join(devDir, SIGNING_KEY_FILE));
  let key: Awaited<ReturnType<typeof readSigningKey>>;
  try {
    key = await readSigningKey(keyFile);
  } catch (error) {
    if (isNodeError(error, "ENOENT")) {
      fail(`no signing key at ${keyFile}. Run \`npm start\` once (it creates one), or pass --key-file.`);
    }
    fail(`cannot read the signing key ${keyFile}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const request = await createAlertRequest({ url: url.href, body: payload, key, sender });
  return request.headers;
}

// --- send -------------------------------------------------------------------------------------------------------

progress.phase(`sending ${(body.length / 1024).toFixed(0)} KiB to ${url.href}`);
const startedAt = Date.now();
let response: Response;
let text: string;
try {
  progress.wait(`waiting for the Worker`);
  response = await fetch(url, {
    method: "POST",
    headers,
    body,
    signal: AbortSignal.timeout(RESPONSE_TIMEOUT_MS),
  });
  text = await response.text();
} catch (error) {
  progress.done();
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  if (isNodeError(cause, "ECONNREFUSED")) {
    fail(`nothing answers at ${url.origin}. Is \`npm start\` running? (Or pass --target.)`);
  }
  if (error instanceof Error && error.name === "TimeoutError") {
    fail(`no answer from ${url.href} within ${RESPONSE_TIMEOUT_MS / 1000} s.`);
  }
  fail(
    `could not send to ${url.href}: ${cause?.message ?? (error instanceof Error ? error.message : String(error))}`,
  );
}
const elapsedMs = Date.now() - startedAt;
progress.done();

console.log(
  `${args.sender} alert with ${tokens.length} match${tokens.length === 1 ? "" : "es"} → ${url.href}: ` +
    `HTTP ${response.status} in ${elapsedMs} ms`,
);

if (!response.ok) {
  console.log(text.length > 2000 ? `${text.slice(0, 2000)}…` : text);
  console.log(hintFor(response.status));
  exit(1);
}

function hintFor(status: number): string {
  switch (status) {
    case 401:
      return args.sender === "generic"
        ? "The signature was rejected: the target's INBOUND_WEBHOOK_SECRET is not the one used here (--webhook-secret)."
        : "The signature was rejected: the target does not trust this signing key. A deployed Worker checks the " +
            "sender's real public keys, so dev-signed alerts get 401 there unless its key-list URL publishes your key.";
    case 404:
      return `The target has no route ${url.pathname}: the "${args.sender}" sender is not configured there (its key-list URL or secret is unset) or not implemented yet, or the target is not autorevoke.`;
    case 503:
      return "The target is misconfigured or cannot fetch the sender's keys; its logs say which (config_invalid, alert_rejected).";
    case 413:
      return "The alert is larger than the Worker accepts (5 MiB); send fewer matches.";
    default:
      return "See the Worker's logs for details.";
  }
}

const feedback = v.safeParse(FeedbackSchema, safeJson(text));
if (!feedback.success) {
  console.log(`The answer is not autorevoke's feedback array:\n${text.slice(0, 2000)}`);
  exit(1);
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

// --- report -------------------------------------------------------------------------------------------------------

const rows = rowsFor(sent, feedback.output);
await describeFromStandin(rows);
console.log(`\n${renderReport(rows)}`);
if (tally(rows)["queued for retry"] > 0) {
  console.log(
    "\nQueued tokens stay open while Clerk cannot answer; the queue consumer retries them with backoff " +
      "(locally the first retry comes after ~2 s).\nSend the same alert again later to see their labels, " +
      "or watch revocation_attempt lines in the Worker's log.",
  );
}

/** Adds what the Clerk stand-in knows: demo keys' state, and the last verify status of every other token. */
async function describeFromStandin(list: Row[]): Promise<void> {
  const [keys, calls] = await Promise.all([
    askStandin("keys", StandinKeysSchema),
    askStandin("calls", StandinCallsSchema),
  ]);
  if (!keys || !calls) return;
  const demoByHash = new Map<string, (typeof DEMO_KEYS)[number]>();
  for (const demo of [...DEMO_KEYS, ...PROD_DEMO_KEYS]) demoByHash.set(await sha256Hex(demo.secret), demo);
  const lastVerify = new Map<string, number>();
  for (const call of calls) {
    if (call.operation === "verify" && call.secretSha256) lastVerify.set(call.secretSha256, call.status);
  }
  list.forEach((row, i) => {
    const hash = sent[i]?.hash ?? "";
    const demo = demoByHash.get(hash);
    const state = demo && keys.find((k) => k.id === demo.id);
    const verify = lastVerify.get(hash);
    const verified =
      verify === undefined
        ? "no Clerk call"
        : verify === 0
          ? "verify in flight"
          : `verify answered ${verify}${verify === 404 ? " (unknown secret)" : ""}`;
    if (state) {
      row.standin = state.revoked
        ? `${state.name}: revoked ("${state.revocation_reason ?? ""}", revoke calls: ${state.revoke_count})`
        : `${state.name}: live${verify === undefined ? "" : `, last ${verified}`}`;
      return;
    }
    row.standin = verified;
  });
}

// --- progress on stderr -------------------------------------------------------------------------------------------

interface Progress {
  /** A step of a large batch. */
  phase(text: string): void;
  /** A spinner while waiting (a terminal only), or one line for a large batch elsewhere. */
  wait(text: string): void;
  done(): void;
}

function createProgress(
  stream: { write(text: string): boolean; isTTY?: boolean },
  verbose: boolean,
): Progress {
  const frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
  let timer: ReturnType<typeof setInterval> | undefined;
  let shown = false;
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
    if (shown) stream.write("\r\x1b[2K");
    shown = false;
  };
  return {
    phase(text) {
      if (verbose) stream.write(`${text}…\n`);
    },
    wait(text) {
      stop();
      if (!stream.isTTY) {
        if (verbose) stream.write(`${text}…\n`);
        return;
      }
      const started = Date.now();
      let frame = 0;
      timer = setInterval(() => {
        shown = true;
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        stream.write(`\r${frames[frame++ % frames.length]} ${text}… ${seconds} s`);
      }, 100);
    },
    done: stop,
  };
}
