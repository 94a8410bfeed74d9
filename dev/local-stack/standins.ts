/**
 * @module
 * The dev stand-ins the local Worker talks to, each served over HTTP on loopback: Clerk (one instance, or `prod` and
 * `staging` behind one host, told apart by the secret key as on Clerk's API host), one key list per ECDSA sender
 * (all publishing one signing key) and the NOTIFY_URL receiver. Node only (it listens on ports).
 */
import { type AccessStandin, createAccessStandin } from "../access-standin.ts";
import { createClerkInstances } from "../clerk-instances.ts";
import { type ClerkStandin, createClerkStandin, type Modes, PROD_DEMO_KEYS } from "../clerk-standin.ts";
import { generateGithubAppKey } from "../github-app-key.ts";
import { createGithubStandin, type GithubStandin } from "../github-standin.ts";
import { createKeyServer, type KeyServer } from "../key-server.ts";
import { type RunningServer, serve } from "../serve.ts";
import type { SigningKey } from "../signer.ts";
import { createWebhookReceiver, type WebhookReceiver } from "../webhook-receiver.ts";
import { loadClerkState, saveClerkState, savingAfterEachCall } from "./clerk-state-file.ts";
import { freePort, LOOPBACK, portError } from "./ports.ts";
import {
  LOCAL_ACCESS_AUD,
  LOCAL_CLERK_PROD_SECRET_KEY,
  LOCAL_CLERK_SECRET_KEY,
  LOCAL_GITHUB_APP_ID,
  LOCAL_GITHUB_INSTALLATION_ID,
  LOCAL_GITHUB_REPO,
  type StandinUrls,
} from "./worker-vars.ts";

export type KeyListSender = "github" | "gitlab" | "depsdev";

export interface StandinOptions {
  /** The key every key list publishes. */
  signingKey: SigningKey;
  /** Seed `DEMO_KEYS` into the Clerk stand-in, and `PROD_DEMO_KEYS` into `prod` with `twoInstances`. */
  seedDemo: boolean;
  /** Two Clerk instances, `prod` and `staging`, behind the one Clerk port. */
  twoInstances: boolean;
  /** Delay before every Clerk stand-in answer. */
  clerkLatencyMs: number | undefined;
  /** Modes every Clerk instance starts with and returns to on reset (the defaults when absent). */
  clerkModes?: Partial<Modes> | undefined;
  /** Serve a Cloudflare Access team stand-in too, for a Worker that signs operators in with Access. */
  access?: boolean | undefined;
  /** Keep the Clerk stand-ins' keys in this file across runs (./clerk-state-file.ts); in memory only when absent. */
  clerkStateFile?: string | undefined;
  /** Ports; a free one for each that is absent or 0. */
  ports: {
    clerk?: number | undefined;
    githubKeys?: number | undefined;
    gitlabKeys?: number | undefined;
    depsdevKeys?: number | undefined;
    notify?: number | undefined;
    githubApi?: number | undefined;
  };
}

/** The stand-ins, listening. */
export interface ServedStandins {
  /** The Clerk stand-in; with two instances, `staging`'s. */
  clerk: { url: string; secretKey: string; standin: ClerkStandin };
  /** With two instances: each instance's stand-in and secret key by name. */
  clerkInstances: Record<string, { secretKey: string; standin: ClerkStandin }> | undefined;
  keyLists: Record<KeyListSender, { url: string; server: KeyServer }>;
  notify: { url: string; receiver: WebhookReceiver };
  /** GitHub's REST API for the local GitHub App: one installation that sees LOCAL_GITHUB_REPO. */
  github: { url: string; standin: GithubStandin };
  /** The Access team stand-in (its origin is the tokens' issuer), with `access`. */
  access: { url: string; standin: AccessStandin } | undefined;
  /** The endpoints as the Worker's settings name them. */
  urls: StandinUrls;
  /** Whether the Clerk stand-ins' keys were loaded from `clerkStateFile` (false: fresh, demo keys seeded). */
  clerkStateLoaded: boolean;
  /** Stops listening; hanging requests are cut off. */
  close(): Promise<void>;
}

/** Builds the stand-ins and serves each on its port; on failure, closes what it opened. */
export async function serveStandins(options: StandinOptions): Promise<ServedStandins> {
  // Chosen before the stand-ins are built: the instances' origin is their JWTs' `iss` (demo JWTs are signed at once).
  const clerkPort = options.ports.clerk || (await freePort());
  const latency = {
    ...(options.clerkLatencyMs === undefined ? {} : { latencyMs: options.clerkLatencyMs }),
    ...(options.clerkModes === undefined ? {} : { modes: options.clerkModes }),
    issuer: `http://${LOOPBACK}:${clerkPort}`,
  };
  const clerk = createClerkStandin({
    secretKey: LOCAL_CLERK_SECRET_KEY,
    seedDemo: options.seedDemo,
    ...latency,
  });
  const clerkInstances = options.twoInstances
    ? {
        prod: {
          secretKey: LOCAL_CLERK_PROD_SECRET_KEY,
          standin: createClerkStandin({
            secretKey: LOCAL_CLERK_PROD_SECRET_KEY,
            seedDemo: options.seedDemo,
            demoKeys: PROD_DEMO_KEYS,
            ...latency,
          }),
        },
        staging: { secretKey: LOCAL_CLERK_SECRET_KEY, standin: clerk },
      }
    : undefined;
  const served = clerkInstances
    ? createClerkInstances(Object.entries(clerkInstances).map(([name, i]) => ({ name, ...i }))).handle
    : clerk.handle;
  const byName: Record<string, ClerkStandin> = clerkInstances
    ? Object.fromEntries(Object.entries(clerkInstances).map(([name, i]) => [name, i.standin]))
    : { default: clerk };
  const stateFile = options.clerkStateFile;
  const clerkStateLoaded = stateFile === undefined ? false : await loadClerkState(stateFile, byName);
  let clerkHandle = served;
  if (stateFile !== undefined) {
    const save = () => saveClerkState(stateFile, byName);
    save();
    clerkHandle = savingAfterEachCall(served, save);
  }
  const keyServers = { github: createKeyServer(), gitlab: createKeyServer(), depsdev: createKeyServer() };
  for (const server of Object.values(keyServers)) {
    server.addKey({
      key_identifier: options.signingKey.keyIdentifier,
      key: options.signingKey.publicKeyPem,
      is_current: true,
    });
  }
  const notify = createWebhookReceiver();

  const servers: RunningServer[] = [];
  const close = async () => {
    await Promise.allSettled(servers.map((s) => s.close()));
  };
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
  try {
    const { ports } = options;
    const clerkServer = await serveOn(clerkHandle, clerkPort, "the Clerk stand-in");
    const github = await serveOn(keyServers.github.handle, ports.githubKeys, "the GitHub key list");
    const gitlab = await serveOn(keyServers.gitlab.handle, ports.gitlabKeys, "the GitLab key list");
    const depsdev = await serveOn(keyServers.depsdev.handle, ports.depsdevKeys, "the deps.dev key list");
    const notifyServer = await serveOn(notify.handle, ports.notify, "the NOTIFY_URL receiver");
    // GitHub's alerts name their API origin, so the stand-in is built once its port is known, as Access's is.
    const appKey = generateGithubAppKey();
    let githubStandin: GithubStandin | undefined;
    const githubServer = await serveOn(
      (request) => (githubStandin as GithubStandin).handle(request),
      ports.githubApi,
      "the GitHub API stand-in",
    );
    githubStandin = createGithubStandin({
      appId: LOCAL_GITHUB_APP_ID,
      publicKeyPem: appKey.publicKeyPem,
      origin: githubServer.url,
    });
    await githubStandin.handle(
      new Request(`${githubServer.url}/__standin/installations`, {
        method: "POST",
        body: JSON.stringify({
          id: LOCAL_GITHUB_INSTALLATION_ID,
          repositories: [`${LOCAL_GITHUB_REPO.owner}/${LOCAL_GITHUB_REPO.repo}`],
        }),
      }),
    );
    // The issuer is the origin the stand-in is served at, so it can only be built once the port is known.
    let accessStandin: AccessStandin | undefined;
    const accessServer = options.access
      ? await serveOn((request) => (accessStandin as AccessStandin).handle(request), 0, "the Access stand-in")
      : undefined;
    if (accessServer)
      accessStandin = createAccessStandin({ issuer: accessServer.url, audience: LOCAL_ACCESS_AUD });
    // The paths the real services publish at; the stand-ins answer at any path.
    const urls: StandinUrls = {
      clerk: clerkServer.url,
      githubKeys: `${github.url}/meta/public_keys/secret_scanning`,
      gitlabKeys: `${gitlab.url}/public_keys`,
      depsdevKeys: `${depsdev.url}/secret_scanning`,
      notify: `${notifyServer.url}/hooks/autorevoke`,
      githubApi: githubServer.url,
      githubAppPrivateKey: appKey.privateKeyPem,
      access: accessServer?.url,
    };
    return {
      clerk: { url: clerkServer.url, secretKey: LOCAL_CLERK_SECRET_KEY, standin: clerk },
      clerkInstances,
      keyLists: {
        github: { url: urls.githubKeys, server: keyServers.github },
        gitlab: { url: urls.gitlabKeys, server: keyServers.gitlab },
        depsdev: { url: urls.depsdevKeys, server: keyServers.depsdev },
      },
      notify: { url: urls.notify, receiver: notify },
      github: { url: githubServer.url, standin: githubStandin },
      access: accessServer && accessStandin ? { url: accessServer.url, standin: accessStandin } : undefined,
      urls,
      clerkStateLoaded,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
