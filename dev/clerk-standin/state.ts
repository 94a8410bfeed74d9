/**
 * @module
 * Everything one stand-in instance holds (keys, call log, fault script, rate limit, latency, accepted secret keys,
 * modes) and the one reset that returns all of it to the options it was built with. Both the Clerk API and the control API
 * work on this state; neither keeps any of its own.
 */
import { type CallLog, createCallLog } from "./call-log.ts";
import { DEMO_KEYS, DEMO_M2M_TOKENS } from "./demo-keys.ts";
import { createFaultScript, type FaultScript } from "./fault-script.ts";
import { type CreatedStandinKey, createKeyStore, type KeyStore } from "./key-store.ts";
import { createM2MTokenStore, type M2MTokenStore } from "./m2m-store.ts";
import { createMachineStore, type MachineStore } from "./machine-store.ts";
import { createModeSwitch, type ModeSwitch, type Modes } from "./modes.ts";
import { createRateLimiter, type RateLimiter } from "./rate-limit.ts";

export interface ClerkStandinOptions {
  /** The instance secret key callers must send as `Authorization: Bearer <secretKey>`. */
  secretKey: string;
  /** Delay before every Clerk API answer. */
  latencyMs?: number;
  /** Seed the demo keys at start and after every reset. */
  seedDemo?: boolean;
  /** The demo keys `seedDemo` seeds; `DEMO_KEYS` by default. */
  demoKeys?: readonly CreatedStandinKey[];
  /** Clock in milliseconds; `Date.now` by default. */
  now?: () => number;
  /** Modes to start with, and to return to on every reset; the rest keep their defaults (modes.ts). */
  modes?: Partial<Modes>;
}

/** The state of one stand-in instance. */
export interface StandinState {
  readonly now: () => number;
  readonly keys: KeyStore;
  /** Opaque M2M tokens (m2m-store.ts). */
  readonly m2mTokens: M2MTokenStore;
  /** Machines and their secret keys (machine-store.ts). */
  readonly machines: MachineStore;
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
   * Drops keys, calls, script, rate limit and rotated secret keys, restores the options' latency and modes (the
   * defaults, unless the options name some), releases hanging requests and reseeds the demo keys.
   */
  reset(): Promise<void>;
}

/** Builds the state of a fresh instance and starts seeding its demo keys. */
export function createStandinState(opts: ClerkStandinOptions): StandinState {
  const now = opts.now ?? Date.now;
  const keys = createKeyStore(now);
  const m2mTokens = createM2MTokenStore(now);
  const machines = createMachineStore(now);
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
    }
    // The demo M2M token lives on the instance that holds the default demo keys (staging, or the only one).
    if (opts.demoKeys === undefined) for (const t of DEMO_M2M_TOKENS) await m2mTokens.add(t);
  }
  let seeded = seed();

  return {
    now,
    keys,
    m2mTokens,
    machines,
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
      keys.clear();
      m2mTokens.clear();
      machines.clear();
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
