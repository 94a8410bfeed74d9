/**
 * @module
 * Everything one stand-in instance holds (keys, M2M tokens, machines, OAuth applications and access tokens, the JWT
 * issuer, users and organizations, call log, fault script, rate limit, latency, accepted secret keys, modes) and the
 * one reset that returns all
 * of it to the options it was built with. Both the Clerk API and the control API work on this state; neither keeps any
 * of its own.
 */
import { type CallLog, createCallLog } from "./call-log.ts";
import { DEMO_KEYS, demoOwnerEmail } from "./demo-keys.ts";
import { type DemoCredential, type DemoCredentialKind, seedDemoCredentials } from "./demo-seed.ts";
import { createFaultScript, type FaultScript } from "./fault-script.ts";
import { createJwtIssuer, type JwtIssuer } from "./jwt-issuer.ts";
import { type CreatedStandinKey, createKeyStore, type KeyStore } from "./key-store.ts";
import { createM2MTokenStore, type M2MTokenStore } from "./m2m-store.ts";
import { createMachineStore, type MachineStore } from "./machine-store.ts";
import { createModeSwitch, type ModeSwitch, type Modes } from "./modes.ts";
import { createOAuthApplicationStore, type OAuthApplicationStore } from "./oauth-app-store.ts";
import { createOAuthTokenStore, type OAuthTokenStore } from "./oauth-token-store.ts";
import { createOwnerStore, type OwnerStore } from "./owner-store.ts";
import { createRateLimiter, type RateLimiter } from "./rate-limit.ts";

export interface ClerkStandinOptions {
  /** The instance secret key callers must send as `Authorization: Bearer <secretKey>`. */
  secretKey: string;
  /** Delay before every Clerk API answer. */
  latencyMs?: number;
  /** Seed the demo keys, and a user with an address for each demo key's subject, at start and after every reset. */
  seedDemo?: boolean;
  /** The demo keys `seedDemo` seeds; `DEMO_KEYS` by default. */
  demoKeys?: readonly CreatedStandinKey[];
  /** Clock in milliseconds; `Date.now` by default. */
  now?: () => number;
  /** Modes to start with, and to return to on every reset; the rest keep their defaults (modes.ts). */
  modes?: Partial<Modes>;
  /**
   * The instance's origin: its JWTs' `iss` and its OAuth applications' URLs. Absent: the origin of the control request
   * that mints one, and `DEFAULT_ISSUER` for the demo credentials.
   */
  issuer?: string;
}

/** The origin demo credentials name when the options give none. */
export const DEFAULT_ISSUER = "https://clerk.test";

/** A seeded demo credential and its state now. */
export type DemoCredentialState = DemoCredential & { state: "live" | "revoked" | "expired" | "rotated" };

/** The state of one stand-in instance. */
export interface StandinState {
  readonly now: () => number;
  readonly keys: KeyStore;
  /** Opaque M2M tokens (m2m-store.ts). */
  readonly m2mTokens: M2MTokenStore;
  /** Machines and their secret keys (machine-store.ts). */
  readonly machines: MachineStore;
  /** OAuth applications (oauth-app-store.ts). */
  readonly oauthApps: OAuthApplicationStore;
  /** Opaque OAuth access tokens and their grants (oauth-token-store.ts). */
  readonly oauthTokens: OAuthTokenStore;
  /** The instance's signing key and the JWTs it signed (jwt-issuer.ts). */
  readonly jwts: JwtIssuer;
  /** Users and organizations, whom keys belong to (owner-store.ts). */
  readonly owners: OwnerStore;
  /** The origin a JWT or application minted in answer to a request from `requestOrigin` names. */
  issuer(requestOrigin?: string): string;
  /** The demo credentials beside the API keys (demo-seed.ts) and their state now; none unless seeded. */
  demoCredentials(): DemoCredentialState[];
  readonly calls: CallLog;
  readonly faults: FaultScript;
  readonly rateLimit: RateLimiter;
  /** Which of the answers the spec allows this instance gives. */
  readonly modes: ModeSwitch;
  /** Delay before every Clerk API answer. */
  latencyMs(): number;
  setLatency(ms: number): void;
  /** The secret keys accepted as bearer: Clerk lets an instance hold several while callers move over. */
  secretKeys(): readonly string[];
  setSecretKeys(keys: readonly string[]): void;
  /** Aborts at the next reset, so hanging requests end instead of outliving the test that scripted them. */
  resetSignal(): AbortSignal;
  /** Settles once the demo keys of the latest start or reset are in. */
  ready(): Promise<void>;
  /**
   * Drops keys, tokens, machines, OAuth applications, JWT records, users, organizations, calls, script, rate limit and rotated secret keys
   * (the JWT signing key stays), restores the options' latency and modes (the defaults, unless the options name some),
   * releases hanging requests and reseeds the demo keys.
   */
  reset(): Promise<void>;
}

/** Builds the state of a fresh instance and starts seeding its demo keys. */
export function createStandinState(opts: ClerkStandinOptions): StandinState {
  const now = opts.now ?? Date.now;
  const keys = createKeyStore(now);
  const m2mTokens = createM2MTokenStore(now);
  const machines = createMachineStore(now);
  const oauthApps = createOAuthApplicationStore(now);
  const oauthTokens = createOAuthTokenStore(now);
  const jwts = createJwtIssuer(now);
  const owners = createOwnerStore(now);
  const issuer = (requestOrigin?: string) => opts.issuer ?? requestOrigin ?? DEFAULT_ISSUER;
  let demo: DemoCredential[] = [];
  const calls = createCallLog(now);
  const faults = createFaultScript();
  const rateLimit = createRateLimiter(now);
  const modes = createModeSwitch(opts.modes);
  let latencyMs = opts.latencyMs ?? 0;
  let secretKeys: readonly string[] = [opts.secretKey];
  let epoch = new AbortController();

  async function seed(): Promise<void> {
    if (!opts.seedDemo) return;
    for (const k of opts.demoKeys ?? DEMO_KEYS) {
      await keys.add({ id: k.id, secret: k.secret, name: k.name, subject: k.subject });
      // Someone to tell when the demo key leaks (issue 26).
      owners.addUser({ id: k.subject, email: demoOwnerEmail(k) });
    }
    // The other demo credentials live on the instance that holds the default demo keys (staging, or the only one).
    if (opts.demoKeys === undefined) {
      demo = await seedDemoCredentials(
        { machines, m2mTokens, oauthApps, oauthTokens, jwts },
        issuer(),
        now(),
      );
    }
  }
  const stateOf = (kind: DemoCredentialKind, id: string): DemoCredentialState["state"] => {
    switch (kind) {
      case "machine_secret_key":
        return (machines.states().find((m) => m.id === id)?.rotate_count ?? 0) > 0 ? "rotated" : "live";
      case "m2m_token": {
        const token = m2mTokens.states().find((t) => t.id === id);
        return token?.revoked ? "revoked" : token?.expired ? "expired" : "live";
      }
      case "oauth_access_token": {
        const token = oauthTokens.states().find((t) => t.id === id);
        return token?.revoked ? "revoked" : token?.expired ? "expired" : "live";
      }
      case "m2m_jwt":
      case "oauth_jwt":
        return jwts.records().find((r) => r.id === id)?.expired ? "expired" : "live";
    }
  };
  let seeded = seed();

  return {
    now,
    keys,
    m2mTokens,
    machines,
    oauthApps,
    oauthTokens,
    jwts,
    owners,
    issuer,
    demoCredentials: () => demo.map((d) => ({ ...d, state: stateOf(d.kind, d.id) })),
    calls,
    faults,
    rateLimit,
    modes,
    latencyMs: () => latencyMs,
    setLatency(ms) {
      latencyMs = ms;
    },
    secretKeys: () => secretKeys,
    setSecretKeys(next) {
      secretKeys = [...next];
    },
    resetSignal: () => epoch.signal,
    ready: () => seeded,
    async reset() {
      epoch.abort();
      epoch = new AbortController();
      // A seed still under way would add its credentials after the clear below, twice over with the new seed.
      await seeded.catch(() => undefined);
      keys.clear();
      m2mTokens.clear();
      machines.clear();
      oauthApps.clear();
      oauthTokens.clear();
      jwts.clear();
      owners.clear();
      demo = [];
      calls.clear();
      faults.replace([]);
      rateLimit.set(null);
      modes.reset();
      latencyMs = opts.latencyMs ?? 0;
      secretKeys = [opts.secretKey];
      seeded = seed();
      await seeded;
    },
  };
}
