/**
 * @module
 * `npm start`: the Worker locally under `wrangler dev` (local D1 and queues) on an embedded default — a Clerk
 * stand-in seeded with demo keys and key-list stand-ins publishing a dev signing key — with no account and no
 * network. Ctrl-C stops everything it started. Settings, all optional, come from the environment: PORT,
 * CLERK_PORT, GITHUB_KEYS_PORT, GITLAB_KEYS_PORT, DEPSDEV_KEYS_PORT, NOTIFY_PORT, PERSIST_TO (wrangler's state directory,
 * default .wrangler/state), AUTOREVOKE_DEV_DIR (the dev signing key, the dev sealing keyring and stack.json,
 * default .wrangler/autorevoke-dev) and CLERK_STANDIN_MODES (the Clerk stand-ins' modes, e.g.
 * `dead_keys=flagged,second_revoke=refused`; dev/clerk-standin/modes.ts lists them) and CLERK_RATE_LIMIT (Clerk
 * calls per 10 s per instance, default LOCAL_CLERK_RATE_LIMIT, lower to watch a big leak being paced) and
 * SWEEP_INTERVAL_SECONDS (how often the cron's sweep runs, default LOCAL_SWEEP_INTERVAL_SECONDS; 0: never).
 *
 * Owner emails (issue 26) are on: each demo key's subject is a user with an address in the Clerk stand-in, and the
 * Worker sends from LOCAL_OWNER_EMAIL_FROM. Nothing is sent: Miniflare writes each email to files, whose paths (never
 * their contents) are printed as wrangler reports them (dev/local-stack/sent-emails.ts).
 *
 * A hard stop (SIGKILL of this process's group) leaves wrangler running in its own group; the next start stops it
 * (dev/local-stack/leftover.ts) before it starts its own on the same state.
 */
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import process from "node:process";
import * as v from "valibot";
import {
  DEMO_KEYS,
  type DemoCredentialState,
  demoOwnerEmail,
  PROD_DEMO_KEYS,
  parseModesSetting,
} from "../dev/clerk-standin.ts";
import {
  CLERK_STATE_FILE,
  DEFAULT_DEV_DIR,
  DEFAULT_PORTS,
  LOCAL_CLERK_RATE_LIMIT,
  LOCAL_OWNER_EMAIL_VARS,
  LOCAL_SWEEP_INTERVAL_SECONDS,
  type LocalStack,
  loadOrCreateSealingKeys,
  loadOrCreateSigningKey,
  localEmailDirectory,
  repoRoot,
  SEALING_KEYS_FILE,
  type SentEmailFile,
  SIGNING_KEY_FILE,
  STACK_FILE,
  type StackFile,
  type SweepTimer,
  sentEmailWatcher,
  startLocalStack,
  startSweepTimer,
  stopLeftoverWrangler,
} from "../dev/local-stack.ts";

const root = await repoRoot();

const Port = v.pipe(
  v.string(),
  v.transform(Number),
  v.integer("must be a whole number"),
  v.minValue(1, "must be 1-65535"),
  v.maxValue(65_535, "must be 1-65535"),
);
const EnvSchema = v.object({
  PORT: v.optional(Port, String(DEFAULT_PORTS.worker)),
  CLERK_PORT: v.optional(Port, String(DEFAULT_PORTS.clerk)),
  GITHUB_KEYS_PORT: v.optional(Port, String(DEFAULT_PORTS.githubKeys)),
  GITLAB_KEYS_PORT: v.optional(Port, String(DEFAULT_PORTS.gitlabKeys)),
  DEPSDEV_KEYS_PORT: v.optional(Port, String(DEFAULT_PORTS.depsdevKeys)),
  NOTIFY_PORT: v.optional(Port, String(DEFAULT_PORTS.notify)),
  PERSIST_TO: v.optional(v.pipe(v.string(), v.minLength(1)), ".wrangler/state"),
  AUTOREVOKE_DEV_DIR: v.optional(v.pipe(v.string(), v.minLength(1)), DEFAULT_DEV_DIR),
  // Checked here as the Worker would (a whole number, at least 1), so a typo fails the start instead of every route.
  CLERK_RATE_LIMIT: v.optional(
    v.pipe(
      v.string(),
      v.transform(Number),
      v.integer("must be a whole number of Clerk calls per 10 s"),
      v.minValue(1, "must be at least 1"),
    ),
    String(LOCAL_CLERK_RATE_LIMIT),
  ),
  SWEEP_INTERVAL_SECONDS: v.optional(
    v.pipe(
      v.string(),
      v.transform(Number),
      v.integer("must be a whole number of seconds"),
      v.minValue(0, "must be 0 (no sweeps) or more"),
      v.maxValue(86_400, "must be at most 86400"),
    ),
    String(LOCAL_SWEEP_INTERVAL_SECONDS),
  ),
  CLERK_STANDIN_MODES: v.optional(
    v.pipe(
      v.string(),
      v.rawTransform(({ dataset, addIssue, NEVER }) => {
        try {
          return parseModesSetting(dataset.value);
        } catch (error) {
          addIssue({ message: error instanceof Error ? error.message : String(error) });
          return NEVER;
        }
      }),
    ),
    "",
  ),
});

const parsedEnv = v.safeParse(EnvSchema, process.env);
if (!parsedEnv.success) {
  for (const issue of parsedEnv.issues) console.error(`npm start: ${v.getDotPath(issue)} ${issue.message}`);
  process.exit(2);
}
const env = parsedEnv.output;
const devDir = path.resolve(root, env.AUTOREVOKE_DEV_DIR);
const stackFile = path.join(devDir, STACK_FILE);
const keyFile = path.join(devDir, SIGNING_KEY_FILE);
const keyringFile = path.join(devDir, SEALING_KEYS_FILE);
// Beside wrangler's state rather than in the dev directory: deleting .wrangler/state for a clean slate must give a
// Clerk with its demo keys live again, not one that remembers them revoked by a log that no longer exists.
const clerkStateFile = path.join(path.resolve(root, env.PERSIST_TO), CLERK_STATE_FILE);
const shown = (p: string) => path.relative(root, p) || ".";

// Each email's files as wrangler names them, its recipient once: where to read it, never what it says.
let lastEmailShown = 0;
const showSentEmail = (file: SentEmailFile) => {
  if (file.email !== lastEmailShown) {
    lastEmailShown = file.email;
    console.log(`autorevoke: owner email ${file.email}${file.to === undefined ? "" : ` to ${file.to}`}:`);
  }
  console.log(`            ${`${file.kind}:`.padEnd(6)} ${shown(path.resolve(root, file.path))}`);
};

/** Ctrl-C under npm arrives twice (from the terminal, and forwarded by npm): one stop request, not two. */
const DUPLICATE_SIGNAL_MS = 1_000;

// Signals: during start-up they abort it; once running they stop the stack. Another one a moment later forces the
// exit (the exit hook in dev/local-stack.ts still kills wrangler's process group).
const startup = new AbortController();
let stack: LocalStack | undefined;
let sweeps: SweepTimer | undefined;
let stopping = false;
let firstSignalAt = 0;
const onSignal = (signal: string) => {
  if (stopping) {
    if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
    console.error(`\n${signal} again: exiting now.`);
    process.exit(130);
  }
  stopping = true;
  firstSignalAt = Date.now();
  if (stack === undefined) {
    startup.abort();
    return;
  }
  console.log(`\n${signal}: stopping wrangler and the stand-ins…`);
  void shutdown(stack, 0);
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

async function shutdown(running: LocalStack, code: number): Promise<never> {
  sweeps?.stop();
  await running.stop();
  await rm(stackFile, { force: true });
  if (code === 0) console.log("Stopped. Nothing is left running.");
  return process.exit(code);
}

const leftover = await stopLeftoverWrangler(stackFile, path.resolve(root, env.PERSIST_TO));
if (leftover.kind === "stopped") {
  console.log(
    `autorevoke: the last npm start was killed without stopping its wrangler dev; stopped it (pid ${leftover.wranglerPid}).`,
  );
}

const signing = await loadOrCreateSigningKey(keyFile);
// Kept like the local D1 it seals secrets in, so a restart opens what the last run sealed.
const keyring = await loadOrCreateSealingKeys(keyringFile);
console.log(
  `autorevoke: applying local D1 migrations (${env.PERSIST_TO}) and starting wrangler dev…` +
    (signing.created ? `\n            created the dev signing key ${shown(keyFile)}` : "") +
    (keyring.created ? `\n            created the dev sealing keyring ${shown(keyringFile)}` : ""),
);

try {
  stack = await startLocalStack({
    port: env.PORT,
    clerkPort: env.CLERK_PORT,
    githubKeysPort: env.GITHUB_KEYS_PORT,
    gitlabKeysPort: env.GITLAB_KEYS_PORT,
    depsdevKeysPort: env.DEPSDEV_KEYS_PORT,
    notifyPort: env.NOTIFY_PORT,
    persistTo: env.PERSIST_TO,
    signingKey: signing.key,
    sealingKeys: keyring.keyring,
    twoInstances: true,
    clerkStateFile,
    clerkModes: env.CLERK_STANDIN_MODES,
    vars: {
      ...LOCAL_OWNER_EMAIL_VARS,
      CLERK_RATE_LIMIT: String(env.CLERK_RATE_LIMIT),
      // The sweeper's grace is one sweep interval, as deployed (5 minutes, the cron's).
      ...(env.SWEEP_INTERVAL_SECONDS > 0 ? { SWEEP_GRACE_SECONDS: String(env.SWEEP_INTERVAL_SECONDS) } : {}),
    },
    testScheduled: env.SWEEP_INTERVAL_SECONDS > 0,
    quiet: "until-ready",
    onOutput: sentEmailWatcher(showSentEmail),
    signal: startup.signal,
  });
} catch (error) {
  if (startup.signal.aborted) {
    console.log("Stopped before start-up finished. Nothing is left running.");
    process.exit(0);
  }
  console.error(`\nnpm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const running = stack;
const file: StackFile = {
  url: running.url,
  clerk_url: running.clerk.url,
  github_url: running.github.url,
  pid: process.pid,
  wrangler_pid: running.wranglerPid,
};
await writeFile(stackFile, `${JSON.stringify(file, null, 2)}\n`);

void running.exited.then(async (exit) => {
  if (stopping) return;
  stopping = true;
  console.error(
    `\nwrangler dev exited unexpectedly (${exit.signal ?? `exit code ${exit.code}`}); stopping the stand-ins.`,
  );
  await shutdown(running, 1);
});

console.log(banner(running, await clerkHealth(running), await running.clerk.standin.demoCredentials()));

// The cron, which wrangler dev does not run: it also queues again what the last run's queue held when it stopped.
if (env.SWEEP_INTERVAL_SECONDS > 0) {
  let lastProblem = "";
  sweeps = startSweepTimer(running.url, env.SWEEP_INTERVAL_SECONDS * 1_000, (problem) => {
    if (stopping || problem === lastProblem) return;
    lastProblem = problem;
    console.error(`npm start: the sweep failed (${problem}); it is tried again every interval.`);
  });
}

/**
 * The Worker's own Clerk health check (`GET /v1/health/clerk`), as the README's deploy steps ask an operator to look at
 * it: one line per instance. A failure to ask is shown, not fatal: the stack is up either way.
 */
async function clerkHealth(s: LocalStack): Promise<string[]> {
  const HealthSchema = v.object({
    status: v.string(),
    instances: v.array(v.object({ name: v.string(), status: v.string(), detail: v.string() })),
  });
  try {
    const res = await fetch(`${s.url}/v1/health/clerk`, {
      headers: { Authorization: `Bearer ${s.vars.ADMIN_TOKEN}` },
      signal: AbortSignal.timeout(15_000),
    });
    const answer = v.parse(HealthSchema, await res.json());
    return [
      `  Clerk health        ${answer.status}  (GET /v1/health/clerk, or ${s.url}/console/health)`,
      ...answer.instances.map((i) =>
        `    ${i.name.padEnd(8)} ${i.status.padEnd(12)} ${i.status === "ok" ? "" : i.detail}`.trimEnd(),
      ),
    ];
  } catch (error) {
    return [`  Clerk health        could not ask: ${error instanceof Error ? error.message : String(error)}`];
  }
}

function banner(s: LocalStack, health: string[], demoCredentials: DemoCredentialState[]): string {
  const instances = s.clerkInstances ?? {
    default: { secretKey: s.clerk.secretKey, standin: s.clerk.standin },
  };
  const demo = Object.entries(instances).flatMap(([name, instance]) =>
    [...DEMO_KEYS, ...PROD_DEMO_KEYS]
      .filter((k) => instance.standin.getKey(k.id) !== undefined)
      .map((k) => {
        const state = instance.standin.getKey(k.id)?.revoked ? "revoked" : "live";
        return `    ${name.padEnd(8)} ${k.secret.slice(0, 7)}…  ${k.id}  ${k.name.padEnd(24)} ${state.padEnd(7)}  ${demoOwnerEmail(k)}`;
      }),
  );
  // The other kinds live on staging (or the only instance): ids, names and a prefix only, as for the demo keys.
  const staging = s.clerkInstances ? "staging" : "default";
  const credentials = demoCredentials.map(
    (d) =>
      `    ${staging.padEnd(8)} ${d.prefix}…  ${d.kind.padEnd(18)} ${d.id.padEnd(36)} ${d.name.padEnd(38)} ${d.state}`,
  );
  const control = (name: string) => (s.clerkInstances ? `${s.clerk.url}/instances/${name}` : s.clerk.url);
  // npm run alert finds the stack through AUTOREVOKE_DEV_DIR/stack.json, whatever the ports.
  const alert = `${env.AUTOREVOKE_DEV_DIR === DEFAULT_DEV_DIR ? "" : `AUTOREVOKE_DEV_DIR=${env.AUTOREVOKE_DEV_DIR} `}npm run alert`;
  const tries: [command: string, comment: string][] = [
    [alert, "a live demo key: revoked, true_positive"],
    [`${alert} -- --instance staging`, "a staging key: prod answers 404, staging revokes it"],
    [`${alert} -- --kind m2m`, "a fresh opaque M2M token (mt_…) of staging: revoked, true_positive"],
    [`${alert} -- --kind oauth`, "a fresh opaque OAuth access token (oat_…): its grant revoked"],
    [
      `${alert} -- --kind m2m-jwt`,
      "a fresh M2M JWT: Clerk cannot revoke it (also machine-secret, oauth-jwt)",
    ],
    [`${alert} -- --token ak_notALiveKeyJustSomeText0000`, "unknown to Clerk: false_positive"],
    [
      `curl -X POST ${control("prod")}/__standin/script -d '[{"status":503,"times":2}]'`,
      "prod fails twice, then",
    ],
    [`${alert} -- --instance prod`, "no label: queued, revoked a few seconds later"],
    [`${alert} -- --count 1000`, "a big batch"],
    [`${alert} -- --sender github-app`, "a GitHub App delivery: the key revoked, the alert resolved"],
    [
      `curl -H 'Authorization: Bearer ${s.vars.ADMIN_TOKEN}' ${s.url}/v1/health/clerk`,
      "each Clerk instance: ok, unauthorised, misrouted, unreachable",
    ],
    [`curl ${s.clerk.url}/__standin/keys`, "what the Clerk stand-in holds"],
    [`curl ${s.clerk.url}/__standin/users`, "whom the keys belong to: a revoked key's owner gets an email"],
    [
      `curl ${s.notify.url.replace(/\/hooks\/.*$/, "")}/__standin/received`,
      "revocation events sent to NOTIFY_URL",
    ],
  ];
  const width = Math.max(...tries.map(([command]) => command.length));
  return [
    "",
    `autorevoke is running at ${s.url}  (wrangler dev; local D1 and queues in ${env.PERSIST_TO})`,
    "",
    `  Operators' console  ${s.url}/console`,
    `                      sign in with the ADMIN_TOKEN below (a session of 8 hours; in production, Cloudflare`,
    "                      Access signs operators in instead: ACCESS_TEAM_DOMAIN and ACCESS_AUD, see the README)",
    "",
    `  Clerk stand-in      ${s.clerk.url}   ${Object.entries(instances)
      .map(([name, i]) => `${name}: ${i.secretKey}`)
      .join(", ")}`,
    `                      (one host; the secret key picks the instance. Control API: ${control("<name>")}/__standin/)`,
    ...(Object.keys(env.CLERK_STANDIN_MODES).length === 0
      ? []
      : [
          `                      modes (CLERK_STANDIN_MODES): ${Object.entries(s.clerk.standin.modes())
            .map(([name, value]) => `${name}=${value}`)
            .join(", ")}`,
        ]),
    `                      its keys are kept in ${shown(clerkStateFile)} across restarts`,
    `  GitHub key list     ${s.keyLists.github.url}`,
    `  GitLab key list     ${s.keyLists.gitlab.url}`,
    `  deps.dev key list   ${s.keyLists.depsdev.url}`,
    `  dev signing key     ${shown(keyFile)}  (published by all three key lists)`,
    `  SEALING_KEYS        ${shown(keyringFile)}  (the dev keyring; the last key seals)`,
    `  NOTIFY_URL receiver ${s.notify.url}`,
    `  GitHub API          ${s.github.url}  (GITHUB_API_URL: the local GitHub App's installation tokens and alerts)`,
    `  owner emails        from ${s.vars.OWNER_EMAIL_FROM} (OWNER_EMAIL_FROM; replies to ${s.vars.OWNER_EMAIL_REPLY_TO}) to a revoked key's owner`,
    `                      not sent: written under ${shown(localEmailDirectory(root))}/ (a folder per wrangler session, deleted`,
    "                      when it stops), each email's files printed here as it is written",
    `  ADMIN_TOKEN         ${s.vars.ADMIN_TOKEN}`,
    `  webhook secret      ${s.vars.INBOUND_WEBHOOK_SECRET}  (INBOUND_WEBHOOK_SECRET, for --sender generic)`,
    `  queue retries       RETRY_BASE_DELAY_SECONDS=${s.vars.RETRY_BASE_DELAY_SECONDS}: the first retry comes 1-2 s after a failure`,
    `  Clerk pace          CLERK_RATE_LIMIT=${s.vars.CLERK_RATE_LIMIT} calls per 10 s per instance, shared by every caller`,
    env.SWEEP_INTERVAL_SECONDS > 0
      ? `  sweep (the cron)    every ${env.SWEEP_INTERVAL_SECONDS} s (SWEEP_INTERVAL_SECONDS; deployed: 5 min): queues again pending work whose message was lost, e.g. by a restart`
      : "  sweep (the cron)    off (SWEEP_INTERVAL_SECONDS=0): after a restart, pending work stays pending",
    ...health,
    "",
    "  Demo keys in the Clerk stand-in (instance, secret prefix, key id, name, state, owner's address):",
    ...demo,
    ...(credentials.length === 0
      ? []
      : ["", "  Other demo credentials (instance, value prefix, kind, id, name, state):", ...credentials]),
    "",
    "  Try, in a second terminal:",
    ...tries.map(([command, comment]) => `    ${command.padEnd(width)}  # ${comment}`),
    "",
    "  Ctrl-C stops everything.",
    "",
  ].join("\n");
}
