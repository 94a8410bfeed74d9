/**
 * @module
 * The composition root, and the only one: builds the adapters from validated configuration and hands each use case
 * exactly what it needs. Stateful pieces (key caches, the Clerk clients, the sealer, the sender verifiers, the
 * notification deliverer) live for the isolate's life, built once per configuration, so a request pays for none of
 * them after the first. Per-invocation pieces (the D1 stores, the notification collector) are built per call of
 * `wire`, which is cheap.
 */
import { createAccessVerifier } from "./access/access-verifier";
import { createClerkGateway } from "./clerk/client";
import { type ClerkHealthProbe, createClerkHealthProbe } from "./clerk/health-probe";
import { type Config, clerkRateLimit } from "./config/config";
import { verdictConfigFingerprint } from "./config/verdict-config";
import { createSightingMaker } from "./domain/sighting-id";
import { type AlertRef, createGithubApp } from "./github/github-app-client";
import { createGithubAlertStore } from "./incidents/github-alerts";
import { createIncidentIntake } from "./incidents/intake";
import { createIncidentLeases } from "./incidents/leases";
import { createMachineSecrets } from "./incidents/machine-secrets";
import { createOperatorWrites } from "./incidents/operator-writes";
import { createNotificationOutbox } from "./incidents/outbox";
import { createOwnerEmails } from "./incidents/owner-emails";
import { createIncidentReads } from "./incidents/reads";
import { createIncidentRetention } from "./incidents/retention";
import { createIncidentSweeping } from "./incidents/sweeping";
import { consoleLogger } from "./lib/log";
import { createSealer } from "./lib/seal";
import { errorName } from "./lib/settle";
import { createDeliverer, NOTIFY_HOLD_MS } from "./notify/deliver";
import { createOwnerMailer } from "./notify/owner-mailer";
import { createPacer } from "./pacing/pacer";
import { createNotificationCollector, noNotifications } from "./queue/notification-collector";
import { verifyHubSignature } from "./senders/github-hub-signature";
import { createKeyCache, type KeyCache } from "./senders/key-cache";
import { buildVerifiers } from "./senders/registry";
import { checkClerkHealth, watchClerkHealth } from "./use-cases/check-clerk-health";
import type { ClerkInstance } from "./use-cases/clerk-instance";
import { consumeDeadLetters } from "./use-cases/consume-dead-letters";
import { consumeRevocations } from "./use-cases/consume-revocations";
import { createNotificationDelivery } from "./use-cases/deliver-notification";
import { handleGithubAlert } from "./use-cases/handle-github-alert";
import { processAlert } from "./use-cases/process-alert";
import { queueGithubAlert } from "./use-cases/queue-github-alert";
import { recheckNotFound } from "./use-cases/recheck-not-found";
import { refreshMachineSecrets } from "./use-cases/refresh-machine-secrets";
import { createResolver } from "./use-cases/resolve-token";
import { retryIncident } from "./use-cases/retry-incident";
import { createDirectRevoker } from "./use-cases/revoke-direct";
import { revokeKeyId, revokeSecret } from "./use-cases/revoke-manually";
import { createOwnerEmailDelivery } from "./use-cases/send-owner-email";
import { sweep } from "./use-cases/sweep";
import type { UseCases, WaitUntil } from "./use-cases/use-cases";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const fetchOut: typeof fetch = (input, init) => fetch(input, init);

/** Key caches by URL and token: senders sharing a key list (or a test re-reading env) share a cache. */
const keyCaches = new Map<string, KeyCache>();

function keyCacheFor(url: string, token: string | undefined): KeyCache {
  const id = `${url}\n${token ?? ""}`;
  let cache = keyCaches.get(id);
  if (!cache) {
    cache = createKeyCache({ url, token, fetch: fetchOut, now: Date.now, log: consoleLogger });
    keyCaches.set(id, cache);
  }
  return cache;
}

/** The key that seals, and keys sighting ids: the keyring's last. config.ts refuses an empty keyring. */
function newestKey(config: Config) {
  const key = config.SEALING_KEYS.at(-1);
  if (!key) throw new Error("SEALING_KEYS holds no key");
  return key;
}

/** What lives as long as the isolate, for one configuration. */
function buildLongLived(config: Config) {
  // Once per config, so once per isolate: a switched-off feature without a route of its own (notifications, the
  // GitHub token) would otherwise go unnoticed. Problems name variables, never values.
  for (const [feature, problems] of Object.entries(config.misconfigured)) {
    consoleLogger.error("config_invalid", { feature, problems });
  }
  return {
    // One API URL for every instance: Clerk tells instances apart by the secret key.
    gateways: config.clerkInstances.map(({ name, secretKey }) => ({
      name,
      secretKey,
      clerk: createClerkGateway({ secretKey, apiUrl: config.CLERK_API_URL }),
      fingerprint: verdictConfigFingerprint([{ name, secretKey }], config.CLERK_API_URL),
    })),
    // Stored with each `not_found`, so that a change of keys, names or URL has every such verdict checked again.
    verdictConfig: verdictConfigFingerprint(config.clerkInstances, config.CLERK_API_URL),
    // CLERK_SECRET_KEY only opens v1 values sealed before SEALING_KEYS existed; it seals nothing any more.
    sealer: createSealer({ keys: config.SEALING_KEYS, legacyKeyMaterial: config.CLERK_SECRET_KEY }),
    makeSighting: createSightingMaker(newestKey(config).key),
    verifiers: buildVerifiers(config, keyCacheFor),
    // Long-lived for its cached key set: one fetch of the team's keys serves the isolate.
    access:
      config.ACCESS_TEAM_DOMAIN && config.ACCESS_AUD
        ? createAccessVerifier({ teamOrigin: config.ACCESS_TEAM_DOMAIN, audience: config.ACCESS_AUD })
        : undefined,
    // Long-lived for its cached installation tokens: one mint serves the isolate for most of an hour.
    github:
      config.GITHUB_APP_ID && config.GITHUB_APP_PRIVATE_KEY && config.GITHUB_API_URL
        ? createGithubApp({
            appId: config.GITHUB_APP_ID,
            privateKey: config.GITHUB_APP_PRIVATE_KEY,
            apiUrl: config.GITHUB_API_URL,
            fetch: fetchOut,
          })
        : undefined,
    deliver: config.NOTIFY_URL
      ? createDeliverer({
          url: config.NOTIFY_URL,
          secret: config.NOTIFY_SECRET,
          fetch: fetchOut,
          now: Date.now,
        })
      : undefined,
  };
}

const longLivedByConfig = new WeakMap<Config, ReturnType<typeof buildLongLived>>();

function longLived(config: Config) {
  let built = longLivedByConfig.get(config);
  if (!built) {
    built = buildLongLived(config);
    longLivedByConfig.set(config, built);
  }
  return built;
}

/** The health probes by instance name, built once per configuration: each holds an SDK client, as a gateway does. */
const healthProbesByConfig = new WeakMap<Config, Map<string, ClerkHealthProbe>>();

function healthProbes(config: Config): Map<string, ClerkHealthProbe> {
  let probes = healthProbesByConfig.get(config);
  if (!probes) {
    probes = new Map(
      config.clerkInstances.map(({ name, secretKey }) => [
        name,
        createClerkHealthProbe({ secretKey, apiUrl: config.CLERK_API_URL }),
      ]),
    );
    healthProbesByConfig.set(config, probes);
  }
  return probes;
}

/** The use cases for one invocation over `env`, configured by `config` (src/config/config.ts read it from env). */
export function wire(env: Env, config: Config): UseCases {
  const { gateways, sealer, makeSighting, verifiers, access, deliver, verdictConfig, github } =
    longLived(config);
  const now = Date.now;
  const log = consoleLogger;
  const queue = env.REVOCATIONS;
  const retryBaseDelaySeconds = config.RETRY_BASE_DELAY_SECONDS;
  const giveUpAfterMs = config.GIVE_UP_AFTER_HOURS * 3_600_000;

  // An event is owed only while there is somewhere to send it: switching notifications on later sends no past event.
  // A misconfigured NOTIFY_* setting still owes every event (delivered once it is fixed); only an unset one owes none.
  const notifyMisconfigured = config.misconfigured.notify !== undefined;
  const notificationsOn = deliver !== undefined || notifyMisconfigured;
  // How long queued work may wait before the sweeper takes its message for lost (SWEEP_GRACE_SECONDS).
  const strandedGraceMs = config.SWEEP_GRACE_SECONDS * 1_000;
  // Owner emails (issue 26): on with a sender and Cloudflare's Email Service bound; a revocation then owes one.
  const ownerEmailFrom = env.EMAIL ? config.OWNER_EMAIL_FROM : undefined;
  const ownerEmailsOn = ownerEmailFrom !== undefined;
  const intake = createIncidentIntake(env.DB, verdictConfig, { notificationsOn, ownerEmailsOn });
  const leases = createIncidentLeases(env.DB, { notificationsOn, ownerEmailsOn });
  const ownerEmails = createOwnerEmails(env.DB);
  const outbox = createNotificationOutbox(env.DB);
  const operatorWrites = createOperatorWrites(env.DB);
  const reads = createIncidentReads(env.DB);

  // Each instance its own pacing object and budget: Clerk's rate limit is per instance.
  const instances: ClerkInstance[] = gateways.map(({ name, secretKey, clerk, fingerprint }) => ({
    name,
    clerk,
    fingerprint,
    pacer: createPacer({
      namespace: env.CLERK_PACER,
      instance: name,
      limitPerWindow: clerkRateLimit(config, secretKey),
      log,
    }),
  }));
  const notifications =
    config.NOTIFY_URL || ownerEmailsOn
      ? createNotificationCollector(
          queue,
          {
            // Still owed in D1 (`notify_due`, `owner_emails`): the sweeper queues it after its grace period.
            onError: (error) => log.error("notification_enqueue_failed", { error: errorName(error) }),
            onQueued: (tokenHashes) => outbox.noteNotificationsQueued(tokenHashes, now(), strandedGraceMs),
          },
          { notify: config.NOTIFY_URL !== undefined, ownerEmails: ownerEmailsOn },
        )
      : noNotifications;
  const machineSecrets = createMachineSecrets(env.DB);
  const resolve = createResolver({
    leases,
    machineSecrets,
    instances,
    sealer,
    now,
    sleep,
    giveUpAfterMs,
    random: Math.random,
    retryBaseDelaySeconds,
    onFinal: (tokenHash, event) => notifications.add(tokenHash, event),
    verdictConfig,
    log,
  });
  const manual = {
    intake,
    leases,
    operatorWrites,
    resolve,
    sealer,
    makeSighting,
    queue,
    now,
    instanceNames: instances.map((i) => i.name),
  };

  const alertDeps = (waitUntil: WaitUntil) => ({
    intake,
    leases,
    resolve,
    revokeDirect: createDirectRevoker({ instances, sleep, now }),
    queue,
    sealer,
    makeSighting,
    notifications,
    log,
    now,
    waitUntil,
  });
  const githubAlert = github
    ? async (ref: AlertRef) => {
        // No sender waits on the queue: what processAlert leaves running is awaited here, within the message.
        const background: Promise<unknown>[] = [];
        const step = await handleGithubAlert(ref, {
          github,
          alerts: createGithubAlertStore(env.DB),
          processAlert: (input) =>
            processAlert(
              alertDeps((p) => background.push(p)),
              input,
            ),
          log,
          now,
          retryDelaySeconds: retryBaseDelaySeconds,
        });
        await Promise.allSettled(background);
        return step;
      }
    : undefined;

  return {
    config,
    log,
    verifiers,
    access,
    processAlert: (input, waitUntil) => processAlert(alertDeps(waitUntil), input),
    verifyGithubDelivery: async (body, signature) =>
      config.GITHUB_APP_WEBHOOK_SECRET !== undefined &&
      verifyHubSignature(config.GITHUB_APP_WEBHOOK_SECRET, body, signature),
    queueGithubAlert: (ref) => queueGithubAlert(queue, ref),
    consumeRevocations: (batch) =>
      consumeRevocations(batch, {
        resolve,
        leases,
        intake,
        queue,
        log,
        random: Math.random,
        now,
        deliverNotification: createNotificationDelivery({
          outbox,
          deliver,
          log,
          now,
          graceMs: strandedGraceMs,
          holdMs: NOTIFY_HOLD_MS,
          misconfigured: notifyMisconfigured,
        }),
        notifications,
        retryBaseDelaySeconds,
        operatorWrites,
        ...(githubAlert ? { githubAlert } : {}),
        ...(ownerEmailFrom && env.EMAIL
          ? {
              sendOwnerEmail: createOwnerEmailDelivery({
                ownerEmails,
                instances,
                mailer: createOwnerMailer(env.EMAIL, ownerEmailFrom, config.OWNER_EMAIL_REPLY_TO),
                replyTo: config.OWNER_EMAIL_REPLY_TO,
                log,
                now,
                sleep,
                random: Math.random,
                giveUpAfterMs,
                retryBaseDelaySeconds,
              }),
            }
          : {}),
      }),
    consumeDeadLetters: (batch) =>
      consumeDeadLetters(batch, { leases, outbox, queue, log, now, notifications, giveUpAfterMs }),
    refreshMachineSecrets: ({ force, at } = {}) =>
      refreshMachineSecrets(
        { instances, machineSecrets, sleep, now: at === undefined ? now : () => at, log },
        { force: force ?? false },
      ),
    sweep: (scheduledTime) =>
      sweep(
        {
          sweeping: createIncidentSweeping(env.DB),
          retention: createIncidentRetention(env.DB),
          outbox,
          queue,
          sealer,
          log,
          notificationsOn: deliver !== undefined,
          ...(ownerEmailsOn ? { ownerEmails } : {}),
          strandedGraceMs,
          retentionDays: {
            falsePositives: config.FALSE_POSITIVE_RETENTION_DAYS,
            attempts: config.ATTEMPT_RETENTION_DAYS,
          },
        },
        scheduledTime,
      ),
    revokeSecret: async (secret, reason, waitUntil) => {
      const result = await revokeSecret(manual, secret, reason);
      waitUntil(notifications.flush());
      return result;
    },
    revokeKeyId: async (keyId, reason, instance, waitUntil) => {
      const result = await revokeKeyId(manual, keyId, reason, instance);
      waitUntil(notifications.flush());
      return result;
    },
    retryIncident: (tokenHash) => retryIncident({ operatorWrites, queue, now }, tokenHash),
    recheckNotFound: (since) => recheckNotFound({ operatorWrites, queue, now }, since, now()),
    listIncidents: (filter, after, limit) => reads.list(filter, after, limit),
    incidentHistory: (tokenHash) => reads.detail(tokenHash),
    ownerEmailOf: (tokenHash) => ownerEmails.get(tokenHash),
    incidentOverview: (at) => reads.overview(at),
    ...clerkHealth(config, instances),
  };
}

/** The Clerk health check over the invocation's instances (their pacers), each with its probe. */
function clerkHealth(config: Config, instances: readonly ClerkInstance[]) {
  const probes = healthProbes(config);
  const deps = {
    instances: instances.flatMap(({ name, pacer }) => {
      const probe = probes.get(name);
      return probe ? [{ name, pacer, probe }] : [];
    }),
    sleep,
    now: Date.now,
    log: consoleLogger,
  };
  return {
    checkClerkHealth: () => checkClerkHealth(deps),
    watchClerkHealth: () => watchClerkHealth(deps),
  };
}
