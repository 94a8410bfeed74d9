/**
 * @module
 * The Worker running locally for real: `wrangler dev` (local D1 and queues) wired to the dev stand-ins served over
 * HTTP on 127.0.0.1: the Clerk stand-in (seeded with `DEMO_KEYS`), one key-list stand-in per ECDSA sender (all
 * publishing one signing key) and a NOTIFY_URL receiver. Used by `npm start`, the end-to-end tests and the benchmarks. Node only.
 *
 * Process hygiene: wrangler is spawned directly (not through npx) as the leader of a new process group, so `stop()`
 * can end it and everything it started (workerd, esbuild) by that group's id; a synchronous last-resort kill on
 * process exit covers a caller that forgets `stop()`. Nothing binds anything but 127.0.0.1.
 */
import * as v from "valibot";
import { createClerkInstances } from "./clerk-instances.ts";
import {
  type ClerkStandin,
  type CreatedStandinKey,
  createClerkStandin,
  DEMO_KEYS,
  PROD_DEMO_KEYS,
} from "./clerk-standin.ts";
import { createKeyServer, type KeyServer } from "./key-server.ts";
import { isNodeError, type NodeChildProcess, type NodeRuntime, node } from "./node-runtime.ts";
import { type RunningServer, serve } from "./serve.ts";
import { exportSigningKey, generateSigningKey, importSigningKey, type SigningKey } from "./signer.ts";
import { createWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.ts";

/** The only address anything here listens on. */
export const LOOPBACK = "127.0.0.1";

/**
 * Ports `npm start` uses unless overridden (PORT, CLERK_PORT, GITHUB_KEYS_PORT, GITLAB_KEYS_PORT, DEPSDEV_KEYS_PORT,
 * NOTIFY_PORT).
 */
export const DEFAULT_PORTS = {
  worker: 8787,
  clerk: 8788,
  githubKeys: 8789,
  gitlabKeys: 8790,
  depsdevKeys: 8791,
  notify: 8792,
} as const;

/** The Clerk instance secret key the stand-in expects and the Worker is given. A stand-in value, not a credential. */
export const LOCAL_CLERK_SECRET_KEY = "sk_test_autorevoke_local_standin";
/**
 * The second instance's secret key (`twoInstances`): a production key, so the Worker asks it first. A stand-in value,
 * not a credential.
 */
export const LOCAL_CLERK_PROD_SECRET_KEY = "sk_live_autorevoke_local_standin_prod";
/** Operators' bearer token for the local Worker. */
export const LOCAL_ADMIN_TOKEN = "autorevoke-local-admin-token-0123456789abcdef";
/** Standard Webhooks secret of `/v1/alerts/generic` locally: whsec_ + base64("autorevoke-local-dev-webhook-key"). */
export const LOCAL_INBOUND_WEBHOOK_SECRET = "whsec_YXV0b3Jldm9rZS1sb2NhbC1kZXYtd2ViaG9vay1rZXk=";
/** Standard Webhooks secret the Worker signs NOTIFY_URL deliveries with locally. */
export const LOCAL_NOTIFY_SECRET = "whsec_YXV0b3Jldm9rZS1sb2NhbC1kZXYtbm90aWZ5LWtleQ==";
/** First queue retry after 1–2 s instead of 5–10 s, so the retry path is visible while you watch. */
export const LOCAL_RETRY_BASE_DELAY_SECONDS = 2;
/**
 * Clerk's production budget (1,000 per 10 s) rather than the development one its `sk_test_` key would get (100): the
 * stand-in has no limit of its own, and a demo batch of a few hundred tokens should be labelled in the answer.
 */
export const LOCAL_CLERK_RATE_LIMIT = 1_000;
/** The reason the Worker gives Clerk; used when replaying earlier revocations into a fresh stand-in. */
const REVOCATION_REASON = "Key compromised";

/** How long wrangler may take to answer `/health`: it is ~1.5 s warm, a cold first bundle takes longer. */
export const READY_TIMEOUT_MS = 60_000;
/** Grace for wrangler to shut workerd down on SIGTERM before the group is killed. */
const STOP_GRACE_MS = 5_000;
/** Wrangler output kept for error messages and tests (the newest part). */
const OUTPUT_KEEP_CHARS = 2_000_000;
const HEALTH_POLL_MS = 100;

/** Worker settings whose values the local stack chooses; any copy in the caller's environment is not passed on. */
const CONFIG_NAMES = [
  "CLERK_SECRET_KEY",
  "CLERK_SECRET_KEYS",
  "SEALING_KEYS",
  "CLERK_API_URL",
  "GITHUB_KEYS_URL",
  "GITHUB_TOKEN",
  "GITLAB_KEYS_URL",
  "DEPSDEV_KEYS_URL",
  "DEPSDEV_IDENTIFIER_HEADER",
  "DEPSDEV_SIGNATURE_HEADER",
  "INBOUND_WEBHOOK_SECRET",
  "NOTIFY_URL",
  "NOTIFY_SECRET",
  "ADMIN_TOKEN",
  "RETRY_BASE_DELAY_SECONDS",
  "CLERK_RATE_LIMIT",
  "GIVE_UP_AFTER_HOURS",
];

export interface LocalStackOptions {
  /** The Worker's port; a free one when absent or 0. */
  port?: number;
  /** Stand-in ports; free ones when absent or 0. */
  clerkPort?: number;
  githubKeysPort?: number;
  gitlabKeysPort?: number;
  depsdevKeysPort?: number;
  notifyPort?: number;
  /** Delay before every Clerk stand-in answer (benchmarks). */
  clerkLatencyMs?: number;
  /**
   * Keep wrangler's output (see `output()`) instead of printing it; `"until-ready"` prints only what comes after
   * the Worker first answers (its request and log lines), since start-up failures are raised as errors anyway.
   */
  quiet?: boolean | "until-ready";
  /** Extra or overriding Worker vars and secrets, passed as `--var NAME:VALUE`. */
  vars?: Record<string, string>;
  /**
   * The Worker's `SEALING_KEYS`. Absent: a fresh keyring, which is right for a fresh `persistTo`; a kept state
   * directory needs the keyring its sealed secrets were sealed under (`npm start` keeps it in its dev directory).
   */
  sealingKeys?: string;
  /**
   * wrangler's local state directory (D1, queues). Absent: a fresh temporary directory, deleted by `stop()`.
   * Given: kept, and demo keys the incident log shows revoked are revoked again in the fresh stand-in.
   */
  persistTo?: string;
  /** The key the key-list stand-ins publish; a fresh one when absent. */
  signingKey?: SigningKey;
  /** Seed `DEMO_KEYS` into the Clerk stand-in (default true), and `PROD_DEMO_KEYS` into `prod` with `twoInstances`. */
  seedDemo?: boolean;
  /**
   * Two Clerk instances behind the one stand-in host, told apart by the secret key as on Clerk's API host: `prod`
   * (`sk_live_`, `PROD_DEMO_KEYS`) and `staging` (the usual stand-in, `DEMO_KEYS`), given to the Worker as
   * `CLERK_SECRET_KEYS`. Off: one instance, `CLERK_SECRET_KEY`.
   */
  twoInstances?: boolean;
  /**
   * The Worker's entry in place of wrangler.toml's `main` (`wrangler dev`'s script argument; bindings and the
   * rest still come from wrangler.toml). The benchmarks run the deploy dry run's bundle this way.
   */
  main?: string;
  /** Serve `main` as it is (`--no-bundle`): a prebuilt bundle that edits under src/ cannot reload mid-run. */
  noBundle?: boolean;
  readyTimeoutMs?: number;
  /** Aborting it while the stack starts stops what has started and rejects. */
  signal?: AbortSignal;
}

/** How wrangler ended. */
export interface WranglerExit {
  code: number | null;
  signal: string | null;
}

export interface LocalStack {
  /** The Worker, `http://127.0.0.1:<port>`. */
  url: string;
  /** Where a sender posts alerts. */
  alertUrl(sender: "github" | "gitlab" | "depsdev" | "generic"): string;
  clerk: { url: string; secretKey: string; standin: ClerkStandin };
  /** With `twoInstances`: each instance's stand-in and secret key by name (`staging` is `clerk.standin`). */
  clerkInstances?: Record<string, { secretKey: string; standin: ClerkStandin }>;
  keyLists: Record<"github" | "gitlab" | "depsdev", { url: string; server: KeyServer }>;
  /** The NOTIFY_URL receiver: revocation events the Worker sends land here. */
  notify: { url: string; receiver: WebhookReceiver };
  signingKey: SigningKey;
  /** Every `--var` wrangler was given (dev values only). */
  vars: Record<string, string>;
  persistTo: string;
  /** wrangler's pid, which is also its process group id. */
  wranglerPid: number;
  /** Settles when wrangler exits, for whatever reason. */
  exited: Promise<WranglerExit>;
  /** What wrangler wrote to stdout and stderr (the Worker's logs included), newest part. */
  output(): string;
  /** Stops wrangler and everything it started, then the stand-ins; deletes a temporary state directory. Idempotent. */
  stop(): Promise<void>;
}

/** The repository root (dev/..), where wrangler.toml lives. */
export async function repoRoot(): Promise<string> {
  const { url } = await node();
  // Node's `import.meta.url`; the Workers types this project compiles with do not declare it.
  const meta = import.meta as ImportMeta & { url: string };
  return url.fileURLToPath(new URL("..", meta.url));
}

/** Starts the stand-ins and `wrangler dev`; resolves once the Worker answers `/health`. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const rt = await node();
  const root = await repoRoot();
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };

  const checkpoint = () => options.signal?.throwIfAborted();
  try {
    checkpoint();
    const signingKey = options.signingKey ?? (await generateSigningKey());
    const clerk = createClerkStandin({
      secretKey: LOCAL_CLERK_SECRET_KEY,
      seedDemo: options.seedDemo ?? true,
      ...(options.clerkLatencyMs === undefined ? {} : { latencyMs: options.clerkLatencyMs }),
    });
    const prod = options.twoInstances
      ? createClerkStandin({
          secretKey: LOCAL_CLERK_PROD_SECRET_KEY,
          seedDemo: options.seedDemo ?? true,
          demoKeys: PROD_DEMO_KEYS,
          ...(options.clerkLatencyMs === undefined ? {} : { latencyMs: options.clerkLatencyMs }),
        })
      : undefined;
    const clerkInstances = prod
      ? {
          prod: { secretKey: LOCAL_CLERK_PROD_SECRET_KEY, standin: prod },
          staging: { secretKey: LOCAL_CLERK_SECRET_KEY, standin: clerk },
        }
      : undefined;
    const clerkHandle = clerkInstances
      ? createClerkInstances(Object.entries(clerkInstances).map(([name, i]) => ({ name, ...i }))).handle
      : clerk.handle;
    const keyServers = { github: createKeyServer(), gitlab: createKeyServer(), depsdev: createKeyServer() };
    const notify = createWebhookReceiver();
    for (const server of Object.values(keyServers)) {
      server.addKey({
        key_identifier: signingKey.keyIdentifier,
        key: signingKey.publicKeyPem,
        is_current: true,
      });
    }

    const servers: RunningServer[] = [];
    const serveOn = async (
      handle: (r: Request) => Promise<Response>,
      port: number | undefined,
      what: string,
    ) => {
      const server = await serve(handle, { port: port ?? 0, hostname: LOOPBACK }).catch((error: unknown) => {
        throw portError(error, port, what);
      });
      servers.push(server);
      return server;
    };
    cleanups.push(async () => {
      await Promise.allSettled(servers.map((s) => s.close()));
    });
    const clerkServer = await serveOn(clerkHandle, options.clerkPort, "the Clerk stand-in");
    const githubServer = await serveOn(
      keyServers.github.handle,
      options.githubKeysPort,
      "the GitHub key list",
    );
    const gitlabServer = await serveOn(
      keyServers.gitlab.handle,
      options.gitlabKeysPort,
      "the GitLab key list",
    );
    const depsdevServer = await serveOn(
      keyServers.depsdev.handle,
      options.depsdevKeysPort,
      "the deps.dev key list",
    );
    const notifyServer = await serveOn(notify.handle, options.notifyPort, "the NOTIFY_URL receiver");

    const port = options.port ? await assertPortFree(rt, options.port, "the Worker") : await freePort();
    const inspectorPort = await freePort();

    let persistTo: string;
    if (options.persistTo === undefined) {
      persistTo = await rt.fs.mkdtemp(rt.path.join(rt.os.tmpdir(), "autorevoke-local-"));
      cleanups.push(() => rt.fs.rm(persistTo, { recursive: true, force: true }));
    } else {
      persistTo = rt.path.resolve(root, options.persistTo);
    }

    const vars: Record<string, string> = {
      ...(clerkInstances
        ? {
            CLERK_SECRET_KEYS: Object.entries(clerkInstances)
              .map(([name, i]) => `${name}=${i.secretKey}`)
              .join(","),
          }
        : { CLERK_SECRET_KEY: LOCAL_CLERK_SECRET_KEY }),
      SEALING_KEYS: options.sealingKeys ?? generateDevKeyring(),
      CLERK_API_URL: clerkServer.url,
      GITHUB_KEYS_URL: `${githubServer.url}/meta/public_keys/secret_scanning`,
      GITLAB_KEYS_URL: `${gitlabServer.url}/public_keys`,
      DEPSDEV_KEYS_URL: `${depsdevServer.url}/secret_scanning`,
      INBOUND_WEBHOOK_SECRET: LOCAL_INBOUND_WEBHOOK_SECRET,
      NOTIFY_URL: `${notifyServer.url}/hooks/autorevoke`,
      NOTIFY_SECRET: LOCAL_NOTIFY_SECRET,
      ADMIN_TOKEN: LOCAL_ADMIN_TOKEN,
      RETRY_BASE_DELAY_SECONDS: String(LOCAL_RETRY_BASE_DELAY_SECONDS),
      CLERK_RATE_LIMIT: String(LOCAL_CLERK_RATE_LIMIT),
      ...options.vars,
    };
    const ctx: WranglerContext = { rt, root, env: wranglerEnv(rt, vars), signal: options.signal };

    await runWrangler(ctx, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo]);
    checkpoint();
    // The stand-in forgets everything between runs while D1 persists: replaying revocations keeps them in step.
    // Best effort, beside wrangler dev's start-up: if it fails, the demo keys merely start live.
    const replayed =
      options.persistTo === undefined
        ? Promise.resolve()
        : replayRevocations(ctx, persistTo, [
            { standin: clerk, secretKey: LOCAL_CLERK_SECRET_KEY, keys: DEMO_KEYS },
            ...(prod
              ? [{ standin: prod, secretKey: LOCAL_CLERK_PROD_SECRET_KEY, keys: PROD_DEMO_KEYS }]
              : []),
          ]).catch(() => undefined);

    const args = [
      "dev",
      // With a script argument wrangler looks for its config beside the script, so it is named outright.
      ...(options.main === undefined ? [] : [options.main, "--config", rt.path.join(root, "wrangler.toml")]),
      ...(options.noBundle ? ["--no-bundle"] : []),
      "--ip",
      LOOPBACK,
      "--port",
      String(port),
      "--inspector-ip",
      LOOPBACK,
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      persistTo,
      "--show-interactive-dev-session=false",
      ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ];
    let ready = false;
    const quiet = options.quiet ?? false;
    const wrangler = spawnWranglerDev(ctx, args, () => quiet === false || (quiet === "until-ready" && ready));
    const pid = wrangler.child.pid;
    if (pid === undefined) throw new Error("wrangler did not start");
    // Last resort if the caller exits without stop(): synchronous, so it runs inside process.exit().
    const killGroupOnExit = () => signalGroup(rt, pid, "SIGKILL");
    rt.process.on("exit", killGroupOnExit);
    cleanups.push(async () => {
      await stopProcessGroup(rt, wrangler.child, wrangler.exited);
      rt.process.off("exit", killGroupOnExit);
    });

    const url = `http://${LOOPBACK}:${port}`;
    await waitForHealth(url, wrangler, options.readyTimeoutMs ?? READY_TIMEOUT_MS, options.signal);
    await replayed;
    checkpoint();
    ready = true;

    let stopping: Promise<void> | undefined;
    return {
      url,
      alertUrl: (sender) => `${url}/v1/alerts/${sender}`,
      clerk: { url: clerkServer.url, secretKey: LOCAL_CLERK_SECRET_KEY, standin: clerk },
      ...(clerkInstances ? { clerkInstances } : {}),
      keyLists: {
        github: { url: vars.GITHUB_KEYS_URL ?? "", server: keyServers.github },
        gitlab: { url: vars.GITLAB_KEYS_URL ?? "", server: keyServers.gitlab },
        depsdev: { url: vars.DEPSDEV_KEYS_URL ?? "", server: keyServers.depsdev },
      },
      notify: { url: vars.NOTIFY_URL ?? "", receiver: notify },
      signingKey,
      vars,
      persistTo,
      wranglerPid: pid,
      exited: wrangler.exited,
      output: wrangler.output,
      stop() {
        stopping ??= cleanup();
        return stopping;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

// --- wrangler ------------------------------------------------------------------------------------------------

function wranglerEnv(rt: NodeRuntime, vars: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...rt.process.env };
  for (const name of CONFIG_NAMES) delete env[name];
  // wrangler bundles NODE_ENV into the Worker; under vitest (NODE_ENV=test) every Clerk call then fails with
  // `unexpected_error` before reaching the stand-in. The local Worker should behave as deployed, whoever starts it.
  for (const name of Object.keys(env)) if (name === "NODE_ENV" || name.startsWith("VITEST")) delete env[name];
  return {
    ...env,
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    // wrangler reads required secrets from its environment and warns when they are missing there; `--var` alone
    // works but prints the warning.
    CLERK_SECRET_KEY: vars.CLERK_SECRET_KEY,
    CLERK_SECRET_KEYS: vars.CLERK_SECRET_KEYS,
    SEALING_KEYS: vars.SEALING_KEYS,
  };
}

/** What every wrangler invocation shares. */
interface WranglerContext {
  rt: NodeRuntime;
  root: string;
  env: Record<string, string | undefined>;
  signal: AbortSignal | undefined;
}

/**
 * Spawns `node_modules/wrangler/bin/wrangler.js` with the Node that runs us (under npm scripts, the project's
 * Node 22), never through npx, whose wrapper would leave workerd running when killed.
 */
function spawnWranglerProcess(ctx: WranglerContext, args: string[], detached: boolean): NodeChildProcess {
  const bin = ctx.rt.path.join(ctx.root, "node_modules", "wrangler", "bin", "wrangler.js");
  return ctx.rt.childProcess.spawn(ctx.rt.process.execPath, [bin, ...args], {
    cwd: ctx.root,
    env: ctx.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached,
  });
}

interface SpawnedWrangler {
  child: NodeChildProcess;
  exited: Promise<WranglerExit>;
  output: () => string;
}

function collect(
  child: NodeChildProcess,
  echo: ((text: string, stream: "stdout" | "stderr") => void) | undefined,
) {
  let text = "";
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  for (const stream of ["stdout", "stderr"] as const) {
    child[stream]?.on("data", (chunk) => {
      const piece = decoders[stream].decode(chunk, { stream: true });
      echo?.(piece, stream);
      text += piece;
      if (text.length > OUTPUT_KEEP_CHARS) text = text.slice(-OUTPUT_KEEP_CHARS / 2);
    });
  }
  return () => text;
}

function exitOf(child: NodeChildProcess): Promise<WranglerExit> {
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal }));
    child.on("error", () => resolve({ code: null, signal: null }));
  });
}

/** `wrangler dev`, leading its own process group so the whole tree can be stopped together. */
function spawnWranglerDev(ctx: WranglerContext, args: string[], echo: () => boolean): SpawnedWrangler {
  const child = spawnWranglerProcess(ctx, args, true);
  const output = collect(child, (text, stream) => {
    if (echo()) ctx.rt.process[stream].write(text);
  });
  return { child, exited: exitOf(child), output };
}

/** A one-shot wrangler command; throws with its output when it fails. */
async function runWrangler(ctx: WranglerContext, args: string[]): Promise<string> {
  const child = spawnWranglerProcess(ctx, args, false);
  const output = collect(child, undefined);
  const onAbort = () => child.kill("SIGTERM");
  ctx.signal?.addEventListener("abort", onAbort, { once: true });
  const { code, signal } = await exitOf(child).finally(() =>
    ctx.signal?.removeEventListener("abort", onAbort),
  );
  ctx.signal?.throwIfAborted();
  if (code !== 0) {
    throw new Error(
      `wrangler ${args.slice(0, 3).join(" ")} failed (${signal ?? `exit ${code}`}):\n${output().slice(-4000)}`,
    );
  }
  return output();
}

const D1ExecuteOutput = v.array(v.object({ results: v.array(v.object({ key_id: v.string() })) }));

/** A stand-in and the demo keys it holds, for the replay. */
interface ReplayTarget {
  standin: ClerkStandin;
  secretKey: string;
  keys: readonly CreatedStandinKey[];
}

async function replayRevocations(
  ctx: WranglerContext,
  persistTo: string,
  targets: readonly ReplayTarget[],
): Promise<void> {
  const ids = targets.flatMap((t) => t.keys.map((k) => `'${k.id}'`)).join(", ");
  const sql = `SELECT key_id FROM incidents WHERE status = 'revoked' AND key_id IN (${ids})`;
  const text = await runWrangler(ctx, [
    "d1",
    "execute",
    "DB",
    "--local",
    "--persist-to",
    persistTo,
    "--json",
    "--command",
    sql,
  ]);
  const parsed = v.safeParse(D1ExecuteOutput, JSON.parse(text.slice(text.indexOf("["))));
  if (!parsed.success) return;
  for (const { key_id: id } of parsed.output.flatMap((r) => r.results)) {
    const target = targets.find((t) => t.keys.some((k) => k.id === id));
    if (!target) continue;
    await target.standin.handle(
      new Request(`http://clerk.local/api_keys/${id}/revoke`, {
        method: "POST",
        headers: { authorization: `Bearer ${target.secretKey}`, "content-type": "application/json" },
        body: JSON.stringify({ revocation_reason: REVOCATION_REASON }),
      }),
    );
  }
}

async function waitForHealth(
  url: string,
  { exited, output }: SpawnedWrangler,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  let gone: WranglerExit | undefined;
  void exited.then((e) => {
    gone = e;
  });
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    signal?.throwIfAborted();
    if (gone) {
      throw new Error(
        `wrangler dev exited (${gone.signal ?? `exit ${gone.code}`}) before it was ready:\n${output().slice(-4000)}`,
      );
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, HEALTH_POLL_MS));
  }
  throw new Error(
    `wrangler dev did not answer ${url}/health within ${timeoutMs} ms:\n${output().slice(-4000)}`,
  );
}

// --- processes and ports -------------------------------------------------------------------------------------

/** Signals every process in the group led by `pgid`; false when the group is gone. */
function signalGroup(rt: NodeRuntime, pgid: number, signal: string | number): boolean {
  try {
    rt.process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if (isNodeError(error, "ESRCH")) return false;
    throw error;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/**
 * SIGTERM to wrangler (it stops workerd gracefully), then whatever is left of its process group is killed.
 * Exited-but-unreaped children still count as group members, so the final wait is short and not an error.
 */
async function stopProcessGroup(rt: NodeRuntime, child: NodeChildProcess, exited: Promise<WranglerExit>) {
  const pgid = child.pid;
  if (pgid === undefined) return;
  let done = child.exitCode !== null || child.signalCode !== null;
  void exited.then(() => {
    done = true;
  });
  if (!done) {
    child.kill("SIGTERM");
    await waitUntil(() => done, STOP_GRACE_MS);
  }
  for (const signal of ["SIGTERM", "SIGKILL"]) {
    if (!signalGroup(rt, pgid, 0)) return;
    signalGroup(rt, pgid, signal);
    if (await waitUntil(() => !signalGroup(rt, pgid, 0), 1_000)) return;
  }
}

/** A port nothing listens on right now on 127.0.0.1 (the kernel's pick). */
export async function freePort(): Promise<number> {
  const { net } = await node();
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, LOOPBACK, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}

async function assertPortFree(rt: NodeRuntime, port: number, what: string): Promise<number> {
  const server = rt.net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.on("error", (error) => reject(portError(error, port, what)));
    server.listen(port, LOOPBACK, resolve);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function portError(error: unknown, port: number | undefined, what: string): Error {
  if (isNodeError(error, "EADDRINUSE")) {
    return new Error(
      `${LOOPBACK}:${port} is already in use, so ${what} cannot listen there. Is another \`npm start\` running? ` +
        "Stop it, or choose other ports (PORT, CLERK_PORT, GITHUB_KEYS_PORT, GITLAB_KEYS_PORT, DEPSDEV_KEYS_PORT, " +
        "NOTIFY_PORT).",
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

// --- the dev signing key ----------------------------------------------------------------------------------------

/**
 * Where `npm start` keeps its state besides wrangler's: the dev signing key, the dev sealing keyring and the running
 * stack's addresses.
 */
export const DEFAULT_DEV_DIR = ".wrangler/autorevoke-dev";
export const SIGNING_KEY_FILE = "signing-key.json";
export const STACK_FILE = "stack.json";

/** The JWK file `exportSigningKey` wrote, as a signing key. */
export async function readSigningKey(file: string): Promise<SigningKey> {
  const { fs } = await node();
  const jwk = v.parse(
    v.looseObject({
      kty: v.literal("EC"),
      crv: v.literal("P-256"),
      x: v.string(),
      y: v.string(),
      d: v.string(),
    }),
    JSON.parse(await fs.readFile(file, "utf8")),
  );
  return importSigningKey(jwk);
}

/** The dev signing key in `file`, generated and written (owner-only) on first use. */
export async function loadOrCreateSigningKey(file: string): Promise<{ key: SigningKey; created: boolean }> {
  const { fs, path } = await node();
  try {
    return { key: await readSigningKey(file), created: false };
  } catch (error) {
    if (!isNodeError(error, "ENOENT")) throw error;
  }
  const key = await generateSigningKey();
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await fs.writeFile(file, `${JSON.stringify(await exportSigningKey(key), null, 2)}\n`, { mode: 0o600 });
  return { key, created: true };
}

// --- the dev sealing keyring ------------------------------------------------------------------------------------

/** `npm start`'s keyring for SEALING_KEYS, beside the dev signing key. */
export const SEALING_KEYS_FILE = "sealing-keys";

/** A fresh keyring of one key, `dev=<base64 of 32 random bytes>`, in SEALING_KEYS's format. */
export function generateDevKeyring(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `dev=${btoa(String.fromCharCode(...bytes))}`;
}

/**
 * The dev keyring in `file`, generated and written (owner-only) on first use. It is kept because the local D1 is:
 * secrets sealed under it must still open after a restart. Append `name=<base64 of 32 bytes>` lines to try a rotation.
 */
export async function loadOrCreateSealingKeys(file: string): Promise<{ keyring: string; created: boolean }> {
  const { fs, path } = await node();
  try {
    return { keyring: (await fs.readFile(file, "utf8")).trim(), created: false };
  } catch (error) {
    if (!isNodeError(error, "ENOENT")) throw error;
  }
  const keyring = generateDevKeyring();
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await fs.writeFile(file, `${keyring}\n`, { mode: 0o600 });
  return { keyring, created: true };
}

/** What `npm start` writes to `stack.json` so `npm run alert` finds the running stack. */
export const StackFileSchema = v.object({
  url: v.string(),
  clerk_url: v.string(),
  pid: v.number(),
});
export type StackFile = v.InferOutput<typeof StackFileSchema>;
