/**
 * @module
 * The composition root: builds adapters from validated config. Stateful pieces (key caches, the Clerk
 * client, the sealing key) live for the isolate's life, keyed by the config they depend on, so a
 * request pays for none of them after the first.
 */
import { type ClerkGateway, createClerkGateway } from "./clerk/client";
import type { Config } from "./config";
import { createIncidentRepository, type IncidentRepository } from "./incidents/repository";
import { consoleLogger, type Logger } from "./lib/log";
import { createSealer, type Sealer } from "./lib/seal";
import type { RevocationMessage } from "./revocation/queue-message";
import { createResolver, type ResolveToken } from "./revocation/resolve-token";
import { type AlertVerifier, createEcdsaAlertVerifier } from "./senders/ecdsa-alert-verifier";
import { createKeyCache, type KeyCache } from "./senders/key-cache";

/** Everything a request or a queue batch works with. */
export interface Services {
  config: Config;
  repo: IncidentRepository;
  clerk: ClerkGateway;
  sealer: Sealer;
  resolve: ResolveToken;
  queue: Queue<RevocationMessage>;
  log: Logger;
  now: () => number;
  verifiers: { github: AlertVerifier };
}

/** What `sealer` uses as HKDF `info`: the purpose of the derived key. */
const SEALED_SECRET_PURPOSE = "autorevoke/sealed-secret/v1";

const keyCaches = new Map<string, KeyCache>();
const clerkGateways = new Map<string, ClerkGateway>();
const sealers = new Map<string, Sealer>();

function memo<T>(cache: Map<string, T>, key: string, build: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = build();
    cache.set(key, value);
  }
  return value;
}

function keyCacheFor(url: string, token: string | undefined): KeyCache {
  return memo(keyCaches, `${url}\n${token ?? ""}`, () =>
    createKeyCache({ url, token, fetch: (input, init) => fetch(input, init), now: Date.now }),
  );
}

/** Builds the services for one env; cheap after the first call in an isolate. */
export function buildServices(env: Env, config: Config): Services {
  const clerk = memo(clerkGateways, `${config.CLERK_API_URL}\n${config.CLERK_SECRET_KEY}`, () =>
    createClerkGateway({ secretKey: config.CLERK_SECRET_KEY, apiUrl: config.CLERK_API_URL }),
  );
  const sealer = memo(sealers, config.CLERK_SECRET_KEY, () =>
    createSealer(config.CLERK_SECRET_KEY, SEALED_SECRET_PURPOSE),
  );
  const repo = createIncidentRepository(env.DB);
  const now = Date.now;
  return {
    config,
    repo,
    clerk,
    sealer,
    resolve: createResolver({
      repo,
      clerk,
      sealer,
      now,
      random: Math.random,
      retryBaseDelaySeconds: config.RETRY_BASE_DELAY_SECONDS,
    }),
    queue: env.REVOCATIONS,
    log: consoleLogger,
    now,
    verifiers: {
      github: createEcdsaAlertVerifier({
        keys: keyCacheFor(config.GITHUB_KEYS_URL, config.GITHUB_TOKEN),
        identifierHeader: "Github-Public-Key-Identifier",
        signatureHeader: "Github-Public-Key-Signature",
      }),
    },
  };
}
