/**
 * @module
 * The composition root: builds adapters from validated config. Stateful pieces (key caches, the Clerk
 * client, the sealer, the sender verifiers) live for the isolate's life, built once per config,
 * so a request pays for none of them after the first.
 */
import { type ClerkGateway, createClerkGateway } from "./clerk/client";
import { type Config, clerkRateLimit } from "./config/config";
import type { RevocationMessage } from "./domain/queue-messages";
import { createSightingMaker, type MakeSighting } from "./domain/sighting-id";
import { createAttemptRecorder } from "./incidents/attempts";
import { createIncidentRepository, type IncidentRepository } from "./incidents/repository";
import { consoleLogger, type Logger } from "./lib/log";
import { createSealer, type Sealer } from "./lib/seal";
import { errorName } from "./lib/settle";
import { createDeliverer, type Deliver } from "./notify/deliver";
import { createPacer } from "./pacing/pacer";
import {
  createNotificationCollector,
  type NotificationCollector,
  noNotifications,
} from "./queue/notification-collector";
import type { AlertVerifier } from "./senders/alert-verifier";
import { createKeyCache, type KeyCache } from "./senders/key-cache";
import { buildVerifiers, type SenderName } from "./senders/registry";
import type { ClerkInstance } from "./use-cases/clerk-instance";
import { createResolver, type ResolveToken } from "./use-cases/resolve-token";
import { createDirectRevoker, type RevokeDirect } from "./use-cases/revoke-direct";

/** Everything a request or a queue batch works with. */
export interface Services {
  config: Config;
  repo: IncidentRepository;
  /** Every Clerk instance with its gateway and pacer, production first. */
  instances: readonly ClerkInstance[];
  sealer: Sealer;
  /** Builds sighting rows: the one recipe for their ids, keyed by the newest SEALING_KEYS key. */
  makeSighting: MakeSighting;
  resolve: ResolveToken;
  /** Revokes without the incident log, for when D1 cannot take an alert's record. */
  revokeDirect: RevokeDirect;
  queue: Queue<RevocationMessage>;
  log: Logger;
  now: () => number;
  /** One per configured sender; a missing one means the sender is off. */
  verifiers: Partial<Record<SenderName, AlertVerifier>>;
  /** Notifications this invocation owes; flushed at its end. */
  notifications: NotificationCollector;
  /** Delivers notifications; absent when NOTIFY_URL is unset. */
  deliver: Deliver | undefined;
  random: () => number;
  retryBaseDelaySeconds: number;
  /** GIVE_UP_AFTER_HOURS in milliseconds. */
  giveUpAfterMs: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Key caches by URL and token: senders sharing a key list (or a test re-reading env) share a cache. */
const keyCaches = new Map<string, KeyCache>();

function keyCacheFor(url: string, token: string | undefined): KeyCache {
  const id = `${url}\n${token ?? ""}`;
  let cache = keyCaches.get(id);
  if (!cache) {
    cache = createKeyCache({
      url,
      token,
      fetch: (input, init) => fetch(input, init),
      now: Date.now,
      log: consoleLogger,
    });
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

type Stateful = Pick<Services, "sealer" | "makeSighting" | "verifiers" | "deliver"> & {
  gateways: { name: string; secretKey: string; clerk: ClerkGateway }[];
};
const statefulByConfig = new WeakMap<Config, Stateful>();

function stateful(config: Config): Stateful {
  let built = statefulByConfig.get(config);
  if (!built) {
    built = {
      // One API URL for every instance: Clerk tells instances apart by the secret key.
      gateways: config.clerkInstances.map(({ name, secretKey }) => ({
        name,
        secretKey,
        clerk: createClerkGateway({ secretKey, apiUrl: config.CLERK_API_URL }),
      })),
      // CLERK_SECRET_KEY only opens v1 values sealed before SEALING_KEYS existed; it seals nothing any more.
      sealer: createSealer({ keys: config.SEALING_KEYS, legacyKeyMaterial: config.CLERK_SECRET_KEY }),
      makeSighting: createSightingMaker(newestKey(config).key),
      verifiers: buildVerifiers(config, keyCacheFor),
      deliver: config.NOTIFY_URL
        ? createDeliverer({
            url: config.NOTIFY_URL,
            secret: config.NOTIFY_SECRET,
            fetch: (input, init) => fetch(input, init),
            now: Date.now,
          })
        : undefined,
    };
    statefulByConfig.set(config, built);
    // Once per config, so once per isolate: a switched-off feature without a route of its own (notifications, the
    // GitHub token) would otherwise go unnoticed. Problems name variables, never values.
    for (const [feature, problems] of Object.entries(config.misconfigured)) {
      consoleLogger.error("config_invalid", { feature, problems });
    }
  }
  return built;
}

/** Builds the services for one env; cheap after the first call in an isolate. */
export function buildServices(env: Env, config: Config): Services {
  const { gateways, sealer, makeSighting, verifiers, deliver } = stateful(config);
  const repo = createIncidentRepository(env.DB);
  const now = Date.now;
  const log = consoleLogger;
  const giveUpAfterMs = config.GIVE_UP_AFTER_HOURS * 3_600_000;
  // Each instance its own pacing object and budget: Clerk's rate limit is per instance.
  const instances: ClerkInstance[] = gateways.map(({ name, secretKey, clerk }) => ({
    name,
    clerk,
    pacer: createPacer({
      namespace: env.CLERK_PACER,
      instance: name,
      limitPerWindow: clerkRateLimit(config, secretKey),
      log,
    }),
  }));
  const notifications = config.NOTIFY_URL
    ? createNotificationCollector(env.REVOCATIONS, {
        // Still owed in D1 (`notify_due`): the sweeper queues it after its grace period.
        onError: (error) => log.error("notification_enqueue_failed", { error: errorName(error) }),
        onQueued: (tokenHashes) => repo.noteNotificationsQueued(tokenHashes, now()),
      })
    : noNotifications;
  return {
    config,
    repo,
    instances,
    sealer,
    makeSighting,
    resolve: createResolver({
      repo,
      instances,
      sealer,
      now,
      sleep,
      giveUpAfterMs,
      random: Math.random,
      retryBaseDelaySeconds: config.RETRY_BASE_DELAY_SECONDS,
      onFinal: (tokenHash, event) => notifications.add(tokenHash, event),
      recordAttempt: createAttemptRecorder(env.DB, log),
    }),
    revokeDirect: createDirectRevoker({ instances, sleep, now }),
    queue: env.REVOCATIONS,
    log,
    now,
    verifiers,
    notifications,
    deliver,
    random: Math.random,
    retryBaseDelaySeconds: config.RETRY_BASE_DELAY_SECONDS,
    giveUpAfterMs,
  };
}
