/**
 * @module
 * The Worker running locally for real: `wrangler dev` (local D1 and queues) wired to the dev stand-ins served over
 * HTTP on 127.0.0.1. Used by `npm start`, the end-to-end tests and the benchmarks. Node only.
 *
 * This module starts and stops the whole; its parts live in dev/local-stack/: the stand-ins' servers
 * (`standins.ts`), the Worker's local settings (`worker-vars.ts`), wrangler (`wrangler.ts`) and its process group
 * (`process-group.ts`), ports (`ports.ts`), the replay of earlier revocations (`replay.ts`), the files `npm start`
 * keeps between runs (`dev-state.ts`) and the owner emails Miniflare writes to files (`sent-emails.ts`).
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { AccessStandin } from "./access-standin.ts";
import { type ClerkStandin, DEMO_KEYS, type Modes, PROD_DEMO_KEYS } from "./clerk-standin.ts";
import type { GithubStandin } from "./github-standin.ts";
import type { KeyServer } from "./key-server.ts";
import { generateDevKeyring } from "./local-stack/dev-state.ts";
import { assertPortFree, freePort, LOOPBACK } from "./local-stack/ports.ts";
import { type ChildExit, killGroupOnExit, stopProcessGroup } from "./local-stack/process-group.ts";
import { replayRevocations } from "./local-stack/replay.ts";
import { repoRoot } from "./local-stack/repo-root.ts";
import { type KeyListSender, serveStandins } from "./local-stack/standins.ts";
import {
  LOCAL_CLERK_PROD_SECRET_KEY,
  LOCAL_CLERK_SECRET_KEY,
  localWorkerVars,
} from "./local-stack/worker-vars.ts";
import {
  READY_TIMEOUT_MS,
  runWrangler,
  startWranglerDev,
  type WranglerContext,
  waitForHealth,
  wranglerEnv,
} from "./local-stack/wrangler.ts";
import { generateSigningKey, type SigningKey } from "./signer.ts";
import type { WebhookReceiver } from "./webhook-receiver.ts";

export {
  CLERK_STATE_FILE,
  DEFAULT_DEV_DIR,
  generateDevKeyring,
  loadOrCreateSealingKeys,
  loadOrCreateSigningKey,
  readSigningKey,
  SEALING_KEYS_FILE,
  SIGNING_KEY_FILE,
  STACK_FILE,
  type StackFile,
  StackFileSchema,
} from "./local-stack/dev-state.ts";
export { type Leftover, stopLeftoverWrangler } from "./local-stack/leftover.ts";
export { DEFAULT_PORTS, freePort, LOOPBACK } from "./local-stack/ports.ts";
export { repoRoot } from "./local-stack/repo-root.ts";
export { localEmailDirectory, type SentEmailFile, sentEmailWatcher } from "./local-stack/sent-emails.ts";
export { type SweepTimer, startSweepTimer } from "./local-stack/sweep-timer.ts";
export {
  LOCAL_ACCESS_AUD,
  LOCAL_ADMIN_TOKEN,
  LOCAL_CLERK_PROD_SECRET_KEY,
  LOCAL_CLERK_RATE_LIMIT,
  LOCAL_CLERK_SECRET_KEY,
  LOCAL_GITLAB_REVOCATION_TOKEN,
  LOCAL_INBOUND_WEBHOOK_SECRET,
  LOCAL_NOTIFY_SECRET,
  LOCAL_OWNER_EMAIL_FROM,
  LOCAL_OWNER_EMAIL_REPLY_TO,
  LOCAL_OWNER_EMAIL_VARS,
  LOCAL_RETRY_BASE_DELAY_SECONDS,
  LOCAL_SWEEP_INTERVAL_SECONDS,
} from "./local-stack/worker-vars.ts";
export { READY_TIMEOUT_MS } from "./local-stack/wrangler.ts";

/** How wrangler ended. */
export type WranglerExit = ChildExit;

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
  /** Modes every Clerk stand-in instance starts with and returns to on reset (`CLERK_STANDIN_MODES` for npm start). */
  clerkModes?: Partial<Modes>;
  /**
   * Keep wrangler's output (see `output()`) instead of printing it; `"until-ready"` prints only what comes after
   * the Worker first answers (its request and log lines), since start-up failures are raised as errors anyway.
   */
  quiet?: boolean | "until-ready";
  /**
   * Sees wrangler's output piece by piece as it arrives (lines may be split across pieces), printed or not; e.g. a
   * `sentEmailWatcher` (dev/local-stack/sent-emails.ts).
   */
  onOutput?: (text: string) => void;
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
  /**
   * Keep the Clerk stand-ins' keys (their state and revoke counts) in this file across runs, as Clerk keeps them; the
   * replay of revoked demo keys is then not needed. `npm start` keeps it in its dev directory.
   */
  clerkStateFile?: string;
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
  /**
   * Sign operators in with Cloudflare Access: an Access team stand-in on loopback, and the Worker given its origin
   * as ACCESS_TEAM_DOMAIN and `LOCAL_ACCESS_AUD` as ACCESS_AUD. Its `sign()` makes the tokens Access would send.
   */
  access?: boolean;
  /** Serve `main` as it is (`--no-bundle`): a prebuilt bundle that edits under src/ cannot reload mid-run. */
  noBundle?: boolean;
  /**
   * Run wrangler dev with `--test-scheduled`, so `scheduled()` (the cron's sweep) can be triggered with
   * `GET /__scheduled?cron=...`; `npm start` calls it on a timer, since wrangler dev runs no cron of its own.
   */
  testScheduled?: boolean;
  readyTimeoutMs?: number;
  /** Aborting it while the stack starts stops what has started and rejects. */
  signal?: AbortSignal;
}

export interface LocalStack {
  /** The Worker, `http://127.0.0.1:<port>`. */
  url: string;
  /** Where a sender posts alerts. */
  alertUrl(sender: "github" | "gitlab" | "depsdev" | "generic"): string;
  clerk: { url: string; secretKey: string; standin: ClerkStandin };
  /** With `twoInstances`: each instance's stand-in and secret key by name (`staging` is `clerk.standin`). */
  clerkInstances?: Record<string, { secretKey: string; standin: ClerkStandin }>;
  keyLists: Record<KeyListSender, { url: string; server: KeyServer }>;
  /** The NOTIFY_URL receiver: revocation events the Worker sends land here. */
  notify: { url: string; receiver: WebhookReceiver };
  /** With `access`: the Access team stand-in the Worker trusts. */
  access?: { url: string; standin: AccessStandin };
  /** GitHub's REST API for the local GitHub App (GITHUB_API_URL). */
  github: { url: string; standin: GithubStandin };
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

/** Starts the stand-ins and `wrangler dev`; resolves once the Worker answers `/health`. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const root = await repoRoot();
  // Undone in reverse order by stop(), or at once when starting fails.
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };

  const checkpoint = () => options.signal?.throwIfAborted();
  try {
    checkpoint();
    const signingKey = options.signingKey ?? (await generateSigningKey());
    const standins = await serveStandins({
      signingKey,
      seedDemo: options.seedDemo ?? true,
      twoInstances: options.twoInstances ?? false,
      clerkLatencyMs: options.clerkLatencyMs,
      clerkModes: options.clerkModes,
      access: options.access ?? false,
      clerkStateFile: options.clerkStateFile,
      ports: {
        clerk: options.clerkPort,
        githubKeys: options.githubKeysPort,
        gitlabKeys: options.gitlabKeysPort,
        depsdevKeys: options.depsdevKeysPort,
        notify: options.notifyPort,
      },
    });
    cleanups.push(standins.close);

    const port = options.port ? await assertPortFree(options.port, "the Worker") : await freePort();
    const inspectorPort = await freePort();

    let persistTo: string;
    if (options.persistTo === undefined) {
      persistTo = await mkdtemp(join(tmpdir(), "autorevoke-local-"));
      cleanups.push(() => rm(persistTo, { recursive: true, force: true }));
    } else {
      persistTo = resolve(root, options.persistTo);
    }

    const vars = localWorkerVars({
      urls: standins.urls,
      clerkInstances: standins.clerkInstances,
      sealingKeys: options.sealingKeys ?? generateDevKeyring(),
      overrides: options.vars,
    });
    const ctx: WranglerContext = { root, env: wranglerEnv(vars), signal: options.signal };

    await runWrangler(ctx, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo]);
    checkpoint();
    // Best effort, beside wrangler dev's start-up: if it fails, the demo keys merely start live.
    const prod = standins.clerkInstances?.prod;
    const replayed =
      options.persistTo === undefined || standins.clerkStateLoaded
        ? Promise.resolve()
        : replayRevocations(ctx, persistTo, [
            { standin: standins.clerk.standin, secretKey: LOCAL_CLERK_SECRET_KEY, keys: DEMO_KEYS },
            ...(prod
              ? [{ standin: prod.standin, secretKey: LOCAL_CLERK_PROD_SECRET_KEY, keys: PROD_DEMO_KEYS }]
              : []),
          ]).catch(() => undefined);

    let ready = false;
    const quiet = options.quiet ?? false;
    const wrangler = startWranglerDev(
      ctx,
      {
        port,
        inspectorPort,
        persistTo,
        vars,
        main: options.main,
        noBundle: options.noBundle ?? false,
        testScheduled: options.testScheduled ?? false,
      },
      () => quiet === false || (quiet === "until-ready" && ready),
      options.onOutput,
    );
    const pid = wrangler.child.pid;
    if (pid === undefined) throw new Error("wrangler did not start");
    const releaseExitGuard = killGroupOnExit(pid);
    cleanups.push(async () => {
      await stopProcessGroup(wrangler);
      releaseExitGuard();
    });

    const url = `http://${LOOPBACK}:${port}`;
    await waitForHealth(url, wrangler, options.readyTimeoutMs ?? READY_TIMEOUT_MS, options.signal);
    await replayed;
    checkpoint();
    ready = true;

    // Where the Worker was told to look, which `options.vars` may have pointed elsewhere.
    const keyList = (sender: KeyListSender, name: string) => ({
      url: vars[name] ?? "",
      server: standins.keyLists[sender].server,
    });
    let stopping: Promise<void> | undefined;
    return {
      url,
      alertUrl: (sender) => `${url}/v1/alerts/${sender}`,
      clerk: standins.clerk,
      ...(standins.clerkInstances ? { clerkInstances: standins.clerkInstances } : {}),
      keyLists: {
        github: keyList("github", "GITHUB_KEYS_URL"),
        gitlab: keyList("gitlab", "GITLAB_KEYS_URL"),
        depsdev: keyList("depsdev", "DEPSDEV_KEYS_URL"),
      },
      notify: { url: vars.NOTIFY_URL ?? "", receiver: standins.notify.receiver },
      github: standins.github,
      ...(standins.access ? { access: standins.access } : {}),
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
