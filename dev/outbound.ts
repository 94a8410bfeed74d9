/**
 * @module
 * Miniflare's `outboundService` for the tests: every outbound `fetch` of the Worker and of the test code (both run
 * in workerd) arrives here, in Node, and is routed by host name to a stand-in, whatever the scheme: an `https://`
 * URL arrives as a plain request, with no TLS. Anything else gets a 502, so no test can reach the internet. Tests
 * drive the stand-ins through their `/__standin/` control routes, e.g.
 * `fetch("https://clerk.test/__standin/keys", { method: "POST", body: "{}" })`.
 *
 * Loaded by vitest.config.ts in Node: no workerd-only imports here.
 */
import { createAccessStandin } from "./access-standin.ts";
import { createClerkInstances } from "./clerk-instances.ts";
import { createClerkStandin } from "./clerk-standin.ts";
import { createGithubStandin } from "./github-standin.ts";
import { createKeyServer } from "./key-server.ts";
import { createWebhookReceiver } from "./webhook-receiver.ts";

/** The secret key vitest.config.ts binds as `CLERK_SECRET_KEY`. */
export const TEST_CLERK_SECRET_KEY = "sk_test_autorevoke_standin";

/**
 * Two Clerk instances for tests of CLERK_SECRET_KEYS, behind every `<label>.instances.clerk.test` host (one pair per
 * host): one stand-in host routing by the bearer secret key, as Clerk's one API host does. Stand-in keys, not
 * credentials. `prod` is a production key, so it is asked first.
 */
export const TEST_CLERK_INSTANCES = {
  prod: "sk_live_autorevoke_standin_prod",
  staging: "sk_test_autorevoke_standin_staging",
} as const;

/** Host suffix of the two-instance Clerk stand-ins. */
export const CLERK_INSTANCES_HOST = "instances.clerk.test";

/**
 * The sealing keyring vitest.config.ts binds as `SEALING_KEYS`: one key, base64 of "autorevoke-test-sealing-key-0001"
 * (a test value, not a credential).
 */
export const TEST_SEALING_KEYS = "test=YXV0b3Jldm9rZS10ZXN0LXNlYWxpbmcta2V5LTAwMDE=";

/** The Standard Webhooks secrets vitest.config.ts binds (test values, not real credentials). */
export const TEST_INBOUND_WEBHOOK_SECRET = "whsec_dGVzdC1pbmJvdW5kLXNlY3JldC0wMTIzNDU2Nzg5";
export const TEST_NOTIFY_SECRET = "whsec_dGVzdC1ub3RpZnktc2VjcmV0LTAxMjM0NTY3ODlhYg==";

/** Host names answered by the stand-ins (ports are ignored). */
export const STANDIN_HOSTS = {
  clerk: "clerk.test",
  githubKeys: "github.keys.test",
  gitlabKeys: "gitlab.keys.test",
  depsdevKeys: "depsdev.keys.test",
  notify: "notify.test",
  /** Slack's real host: NOTIFY_URL pointing here gets Slack messages, so tests need it answered. */
  slack: "hooks.slack.com",
  /** A Cloudflare Access team: its key set, and tokens signed for tests (`POST /__standin/sign`). */
  access: "access.test",
  /**
   * Not Clerk: a web server that answers every path with a plain-text 404, as a `CLERK_API_URL` with a wrong path (or
   * host) does. For tests of the health check's `misrouted`.
   */
  notClerk: "not-clerk.test",
  /** GitHub's REST API for the test GitHub App (GITHUB_API_URL): installation tokens and secret-scanning alerts. */
  githubApi: "api.github.test",
} as const;

/**
 * The Access application audience every Access stand-in signs for (ACCESS_AUD in tests that switch Access on). A test
 * value, not a credential.
 */
export const TEST_ACCESS_AUD = "autorevoke-test-access-audience-0123456789abcdef";

/** The stand-ins behind the bare host names, which the Worker's test bindings point at. */
export const clerkStandin = createClerkStandin({ secretKey: TEST_CLERK_SECRET_KEY });
export const githubKeyServer = createKeyServer();
export const gitlabKeyServer = createKeyServer();
export const depsdevKeyServer = createKeyServer();
export const notifyReceiver = createWebhookReceiver();

/** The test GitHub App's id and webhook secret (GITHUB_APP_ID, GITHUB_APP_WEBHOOK_SECRET): test values. */
export const TEST_GITHUB_APP_ID = "424242";
export const TEST_GITHUB_WEBHOOK_SECRET = "test-github-app-webhook-secret-0123456789";

/**
 * The test App's public key, set by vitest.config.ts, which generates the pair in Node (dev/github-app-key.ts): this
 * module is also imported by tests inside workerd, where node:crypto is not available.
 */
let githubAppPublicKeyPem: string | undefined;
export function useGithubAppPublicKey(pem: string): void {
  githubAppPublicKeyPem = pem;
}

/** A GitHub stand-in answering as `host`, created on its first request (only ever in Node). */
function githubStandin(host: string): Handle {
  let standin: ReturnType<typeof createGithubStandin> | undefined;
  return (request) => {
    if (githubAppPublicKeyPem === undefined) throw new Error("useGithubAppPublicKey was not called");
    standin ??= createGithubStandin({
      appId: TEST_GITHUB_APP_ID,
      publicKeyPem: githubAppPublicKeyPem,
      origin: `https://${host}`,
    });
    return standin.handle(request);
  };
}
export const slackReceiver = createWebhookReceiver();
export const accessStandin = createAccessStandin({
  issuer: `https://${STANDIN_HOSTS.access}`,
  audience: TEST_ACCESS_AUD,
});

type Handle = (request: Request) => Promise<Response>;

/** What `not-clerk.test` (and any `<label>.not-clerk.test`) answers to everything. Stateless, so shared. */
const notClerk: Handle = async () =>
  new Response("404 page not found\n", {
    status: 404,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });

const bareHosts = new Map<string, Handle>([
  [STANDIN_HOSTS.clerk, clerkStandin.handle],
  [STANDIN_HOSTS.githubKeys, githubKeyServer.handle],
  [STANDIN_HOSTS.gitlabKeys, gitlabKeyServer.handle],
  [STANDIN_HOSTS.depsdevKeys, depsdevKeyServer.handle],
  [STANDIN_HOSTS.notify, notifyReceiver.handle],
  [STANDIN_HOSTS.slack, slackReceiver.handle],
  [STANDIN_HOSTS.access, (request) => accessStandin.handle(request)],
  [STANDIN_HOSTS.notClerk, notClerk],
  [STANDIN_HOSTS.githubApi, githubStandin(STANDIN_HOSTS.githubApi)],
]);

// Test files may run in parallel while these singletons live once per vitest process. A test that scripts faults
// or resets state can claim a private instance by host name: `<label>.clerk.test`, `<label>.github.keys.test`, ...
// each get their own stand-in, created on first use.
const isolated = new Map<string, Handle>();

function standinFor(host: string): Handle | undefined {
  const bare = bareHosts.get(host);
  if (bare) return bare;
  const existing = isolated.get(host);
  if (existing) return existing;
  const parent = [...bareHosts.keys()].find((h) => host.endsWith(`.${h}`));
  if (parent === undefined) return undefined;
  const created =
    host === CLERK_INSTANCES_HOST || host.endsWith(`.${CLERK_INSTANCES_HOST}`)
      ? createClerkInstances(
          Object.entries(TEST_CLERK_INSTANCES).map(([name, secretKey]) => ({ name, secretKey })),
        ).handle
      : parent === STANDIN_HOSTS.clerk
        ? createClerkStandin({ secretKey: TEST_CLERK_SECRET_KEY }).handle
        : parent === STANDIN_HOSTS.notify || parent === STANDIN_HOSTS.slack
          ? createWebhookReceiver().handle
          : parent === STANDIN_HOSTS.access
            ? accessHandle(host)
            : parent === STANDIN_HOSTS.notClerk
              ? notClerk
              : parent === STANDIN_HOSTS.githubApi
                ? githubStandin(host)
                : createKeyServer().handle;
  isolated.set(host, created);
  return created;
}

/** A team of its own behind `<label>.access.test`, its tokens issued by that origin. */
function accessHandle(host: string): Handle {
  const standin = createAccessStandin({ issuer: `https://${host}`, audience: TEST_ACCESS_AUD });
  return (request) => standin.handle(request);
}

/**
 * Answers one outbound request. Miniflare accepts any fetch-style `Response`: its loopback handler re-wraps one that
 * is not its own class (`new Response(res.body, res)`), so Node's global `Response` works unchanged.
 */
export async function outboundService(request: Request): Promise<Response> {
  const host = new URL(request.url).hostname;
  const handle = standinFor(host);
  if (handle) return handle(request);
  return new Response("blocked outbound host", {
    status: 502,
    headers: { "content-type": "text/plain", "x-blocked-host": host },
  });
}
