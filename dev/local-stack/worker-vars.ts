/**
 * @module
 * The Worker's configuration when it runs locally: dev values for its secrets, and its URLs pointed at the stand-ins.
 * Every value here is a stand-in value, not a credential; all of them reach wrangler as `--var NAME:VALUE`.
 */

/** The Clerk instance secret key the stand-in expects and the Worker is given. A stand-in value, not a credential. */
export const LOCAL_CLERK_SECRET_KEY = "sk_test_autorevoke_local_standin";
/**
 * The second instance's secret key (`twoInstances`): a production key, so the Worker asks it first. A stand-in value,
 * not a credential.
 */
export const LOCAL_CLERK_PROD_SECRET_KEY = "sk_live_autorevoke_local_standin_prod";
/** Operators' bearer token for the local Worker. */
export const LOCAL_ADMIN_TOKEN = "autorevoke-local-admin-token-0123456789abcdef";
/** The pre-shared token a local GitLab (or curl) sends to `/v1/gitlab/…`. */
export const LOCAL_GITLAB_REVOCATION_TOKEN = "autorevoke-local-gitlab-revocation-token-0123";
/** The local GitHub App (`/v1/github-app/webhook`): its id, webhook secret and installation. Stand-in values. */
export const LOCAL_GITHUB_APP_ID = "1001";
export const LOCAL_GITHUB_WEBHOOK_SECRET = "autorevoke-local-github-app-webhook-secret-0123";
export const LOCAL_GITHUB_INSTALLATION_ID = 2002;
/** The repository the local GitHub stand-in's alerts are in. */
export const LOCAL_GITHUB_REPO = { id: 700_001, owner: "autorevoke-demo", repo: "webapp" } as const;
/** Standard Webhooks secret of `/v1/alerts/generic` locally: whsec_ + base64("autorevoke-local-dev-webhook-key"). */
export const LOCAL_INBOUND_WEBHOOK_SECRET = "whsec_YXV0b3Jldm9rZS1sb2NhbC1kZXYtd2ViaG9vay1rZXk=";
/** Standard Webhooks secret the Worker signs NOTIFY_URL deliveries with locally. */
export const LOCAL_NOTIFY_SECRET = "whsec_YXV0b3Jldm9rZS1sb2NhbC1kZXYtbm90aWZ5LWtleQ==";
/** First queue retry after 1–2 s instead of 5–10 s, so the retry path is visible while you watch. */
export const LOCAL_RETRY_BASE_DELAY_SECONDS = 2;
/**
 * How often `npm start` runs the cron's sweep (dev/local-stack/sweep-timer.ts), and the Worker's SWEEP_GRACE_SECONDS
 * with it: deployed, both are 5 minutes; locally a restart forgets every queued message, and 15 s heals a hard stop
 * in well under a minute while keeping the sweep's log lines rare.
 */
export const LOCAL_SWEEP_INTERVAL_SECONDS = 15;
/**
 * Clerk's production budget (1,000 per 10 s) rather than the development one its `sk_test_` key would get (100): the
 * stand-in has no limit of its own, and a demo batch of a few hundred tokens should be labelled in the answer.
 */
export const LOCAL_CLERK_RATE_LIMIT = 1_000;

/**
 * The Access application audience the local Access stand-in signs for, when the stack runs with Cloudflare Access
 * (`access: true`). A stand-in value, not a credential.
 */
export const LOCAL_ACCESS_AUD = "autorevoke-local-access-audience";

/**
 * The owner email's sender and reply-to (issue 26) under `npm start`, which passes them (`LOCAL_OWNER_EMAIL_VARS`):
 * Miniflare's `send_email` binding writes each email to a file instead of sending it (sent-emails.ts). Other local
 * stacks (the end-to-end tests, the benchmarks) leave them unset, so they send no owner email unless they ask.
 */
export const LOCAL_OWNER_EMAIL_FROM = "autorevoke@example.test";
export const LOCAL_OWNER_EMAIL_REPLY_TO = "security@example.test";
/** Both, as the Worker's vars. */
export const LOCAL_OWNER_EMAIL_VARS: Readonly<Record<string, string>> = {
  OWNER_EMAIL_FROM: LOCAL_OWNER_EMAIL_FROM,
  OWNER_EMAIL_REPLY_TO: LOCAL_OWNER_EMAIL_REPLY_TO,
};

/** Worker settings whose values the local stack chooses; any copy in the caller's environment is not passed on. */
export const CONFIG_NAMES: readonly string[] = [
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
  "GITLAB_REVOCATION_TOKEN",
  "GITHUB_APP_ID",
  "GITHUB_APP_PRIVATE_KEY",
  "GITHUB_APP_WEBHOOK_SECRET",
  "GITHUB_API_URL",
  "RETRY_BASE_DELAY_SECONDS",
  "SWEEP_GRACE_SECONDS",
  "CLERK_RATE_LIMIT",
  "GIVE_UP_AFTER_HOURS",
  "ACCESS_TEAM_DOMAIN",
  "ACCESS_AUD",
  "OWNER_EMAIL_FROM",
  "OWNER_EMAIL_REPLY_TO",
];

/** Where the stand-ins answer, as the Worker's settings name them. */
export interface StandinUrls {
  clerk: string;
  githubKeys: string;
  gitlabKeys: string;
  depsdevKeys: string;
  notify: string;
  /** The GitHub REST stand-in's origin (GITHUB_API_URL). */
  githubApi: string;
  /** The local GitHub App's private key (PKCS#1 PEM), generated for this run. */
  githubAppPrivateKey: string;
  /** The Access stand-in's origin, when the stack runs with Cloudflare Access. */
  access?: string | undefined;
}

/**
 * The local Worker's vars: one Clerk instance (`CLERK_SECRET_KEY`), or several by name (`CLERK_SECRET_KEYS`, when
 * `clerkInstances` is given), the stand-ins' URLs, the dev secrets, and `overrides` last.
 */
export function localWorkerVars(options: {
  urls: StandinUrls;
  clerkInstances: Record<string, { secretKey: string }> | undefined;
  sealingKeys: string;
  overrides: Record<string, string> | undefined;
}): Record<string, string> {
  const { urls, clerkInstances } = options;
  return {
    ...(clerkInstances
      ? {
          CLERK_SECRET_KEYS: Object.entries(clerkInstances)
            .map(([name, i]) => `${name}=${i.secretKey}`)
            .join(","),
        }
      : { CLERK_SECRET_KEY: LOCAL_CLERK_SECRET_KEY }),
    SEALING_KEYS: options.sealingKeys,
    CLERK_API_URL: urls.clerk,
    GITHUB_KEYS_URL: urls.githubKeys,
    GITLAB_KEYS_URL: urls.gitlabKeys,
    DEPSDEV_KEYS_URL: urls.depsdevKeys,
    INBOUND_WEBHOOK_SECRET: LOCAL_INBOUND_WEBHOOK_SECRET,
    NOTIFY_URL: urls.notify,
    NOTIFY_SECRET: LOCAL_NOTIFY_SECRET,
    ADMIN_TOKEN: LOCAL_ADMIN_TOKEN,
    GITLAB_REVOCATION_TOKEN: LOCAL_GITLAB_REVOCATION_TOKEN,
    GITHUB_APP_ID: LOCAL_GITHUB_APP_ID,
    // One line, its newlines as \n: a `--var` value is one argument, and the Worker reads \n back as a newline.
    GITHUB_APP_PRIVATE_KEY: urls.githubAppPrivateKey.trim().replaceAll("\n", "\\n"),
    GITHUB_APP_WEBHOOK_SECRET: LOCAL_GITHUB_WEBHOOK_SECRET,
    GITHUB_API_URL: urls.githubApi,
    RETRY_BASE_DELAY_SECONDS: String(LOCAL_RETRY_BASE_DELAY_SECONDS),
    CLERK_RATE_LIMIT: String(LOCAL_CLERK_RATE_LIMIT),
    ...(urls.access ? { ACCESS_TEAM_DOMAIN: urls.access, ACCESS_AUD: LOCAL_ACCESS_AUD } : {}),
    ...options.overrides,
  };
}
