/**
 * @module
 * A stand-in for the parts of Clerk's Backend API that issue and revoke machine credentials
 * (dev/clerk-openapi/clerk-bapi-2026-05-12.yml, Clerk's published spec): API keys, machines and their secret keys, M2M
 * tokens, OAuth applications and their access tokens, opaque or JWT, the instance's JWKS, and the users and
 * organizations keys belong to; for tests, `npm start` and the benchmarks. One instance is a small Hono app over its own state:
 * - `clerk-standin/clerk-api.ts`: the Clerk API, as `@clerk/backend` calls it;
 * - `clerk-standin/modes.ts`: which of the answers the spec allows it gives (a 200 for a revoked key, a refused
 *   second revoke, a 400 for an odd secret, a bare 404 from a wrong path), per instance;
 * - `clerk-standin/scripted-traffic.ts`: the call log, rate limit, fault script and latency in front of them;
 * - `clerk-standin/control-api.ts`: the control API under `/__standin/`, to drive all of it over HTTP;
 * - `clerk-standin/state.ts`: the stores, log, script, limit, latency and modes, and the reset that clears them;
 * - `clerk-standin/jwt-issuer.ts`: the instance's RS256 key, the JWTs it signs and forgeries signed by another key;
 * - `clerk-standin/owner-store.ts`: users and organizations, whom a key's `subject` names.
 *
 * The call log keeps only the SHA-256 of verified secrets, and nothing here writes to the console. Web-standard APIs
 * only: it runs in Node (Miniflare's outbound service, the local stack) and in workerd.
 */
import { Hono } from "hono/tiny";
import * as v from "valibot";
import type { ClerkCall } from "./clerk-standin/call-log.ts";
import { createClerkApi } from "./clerk-standin/clerk-api.ts";
import { createControlApi } from "./clerk-standin/control-api.ts";
import { type ClerkFault, ClerkFaultSchema } from "./clerk-standin/fault-script.ts";
import {
  type CreatedStandinKey,
  KeyRecordSchema,
  type StandinKeyInput,
  StandinKeyInputSchema,
  type StandinKeyState,
} from "./clerk-standin/key-store.ts";
import { type Modes, parseModes } from "./clerk-standin/modes.ts";
import {
  type StandinOrganizationInput,
  StandinOrganizationInputSchema,
  type StandinOrganizationState,
  type StandinUserInput,
  StandinUserInputSchema,
} from "./clerk-standin/owner-store.ts";
import { type RateLimit, RateLimitSchema } from "./clerk-standin/rate-limit.ts";
import {
  type ClerkStandinOptions,
  createStandinState,
  type DemoCredentialState,
} from "./clerk-standin/state.ts";

export type { ClerkCall } from "./clerk-standin/call-log.ts";
export { CLIENT_CLOSED_STATUS, DEFAULT_RETRY_AFTER_SECONDS } from "./clerk-standin/clerk-errors.ts";
export {
  DEMO_KEYS,
  DEMO_M2M_TOKENS,
  DEMO_MACHINES,
  DEMO_OAUTH_GRANTS,
  demoOwnerEmail,
  PROD_DEMO_KEYS,
} from "./clerk-standin/demo-keys.ts";
export { DEMO_PREFIX_CHARS, type DemoCredentialKind } from "./clerk-standin/demo-seed.ts";
export { type ClerkFault, ClerkFaultSchema, type ClerkOperation } from "./clerk-standin/fault-script.ts";
export {
  type CreatedStandinKey,
  isIssuedSecretShape,
  SECRET_RANDOM_CHARS,
  type StandinKeyInput,
  StandinKeyInputSchema,
  type StandinKeyState,
} from "./clerk-standin/key-store.ts";
export {
  DEFAULT_MODES,
  MODE_VALUES,
  type ModeName,
  type Modes,
  parseModesSetting,
} from "./clerk-standin/modes.ts";
export type {
  StandinMember,
  StandinOrganizationInput,
  StandinOrganizationState,
  StandinUserInput,
  StandinUserState,
} from "./clerk-standin/owner-store.ts";
export { type RateLimit, RateLimitSchema } from "./clerk-standin/rate-limit.ts";
export type { ClerkStandinOptions, DemoCredentialState } from "./clerk-standin/state.ts";

/** One stand-in instance, served over HTTP by `handle` and driven directly by its other methods. */
export interface ClerkStandin {
  /** Answers one request: Clerk API paths, or the control API under `/__standin/`. */
  handle(request: Request): Promise<Response>;
  /** Adds a key; resolves with its id and its only copy of the raw secret. */
  createKey(input?: StandinKeyInput): Promise<CreatedStandinKey>;
  /** A key's state, or `undefined`. */
  getKey(id: string): StandinKeyState | undefined;
  /** Adds a user (`email: null`: one without an address); resolves with its id and primary address. */
  createUser(input?: StandinUserInput): Promise<{ id: string; email: string | null }>;
  /** Adds an organization, and a user for each of its admins and members (by address) that no user is yet. */
  createOrganization(input?: StandinOrganizationInput): Promise<StandinOrganizationState>;
  /**
   * The demo credentials seeded beside the demo keys (a machine secret key, M2M token and JWT, OAuth access token and
   * JWT), once seeded, each with its state and only the first characters of its value.
   */
  demoCredentials(): Promise<DemoCredentialState[]>;
  /**
   * Drops keys, calls and script, puts latency and modes back to the options, releases hanging requests, reseeds
   * demo keys.
   */
  reset(): Promise<void>;
  setLatency(ms: number): void;
  /** Replaces the fault script. */
  script(faults: readonly ClerkFault[]): void;
  /** Limits Clerk API calls to `limit` per fixed window (`null` lifts the limit), as Clerk's Backend API does. */
  setRateLimit(limit: RateLimit | null): void;
  /** Changes the modes named (throws on an unknown name or value) and returns every mode's value now. */
  setModes(modes: Partial<Modes>): Modes;
  /** Every mode's value now. */
  modes(): Modes;
  /** The unconsumed part of the fault script. */
  pendingFaults(): ClerkFault[];
  /** A copy of the call log, oldest first. */
  calls(): ClerkCall[];
  /**
   * Every key as stored (secrets only as SHA-256, counters included), for keeping the keys across runs; the call log,
   * script, limit and modes are not part of it.
   */
  exportKeys(): unknown[];
  /** Replaces every key (demo keys included) with what `exportKeys` gave; throws on anything else. */
  importKeys(keys: unknown): Promise<void>;
}

/** Builds a stand-in holding its own state. */
export function createClerkStandin(opts: ClerkStandinOptions): ClerkStandin {
  const state = createStandinState(opts);
  const app = new Hono().route("/__standin", createControlApi(state)).route("/", createClerkApi(state));

  return {
    async handle(request) {
      await state.ready();
      return app.fetch(request);
    },
    async createKey(input = {}) {
      await state.ready();
      const { json, secret } = await state.keys.add(v.parse(StandinKeyInputSchema, input));
      return { id: json.id, secret, name: json.name, subject: json.subject };
    },
    getKey: (id) => state.keys.state(id),
    async createUser(input = {}) {
      await state.ready();
      const { id, email } = state.owners.addUser(v.parse(StandinUserInputSchema, input));
      return { id, email };
    },
    async createOrganization(input = {}) {
      await state.ready();
      return state.owners.addOrganization(v.parse(StandinOrganizationInputSchema, input));
    },
    async demoCredentials() {
      await state.ready();
      return state.demoCredentials();
    },
    reset: () => state.reset(),
    setLatency: (ms) => state.setLatency(ms),
    setRateLimit(limit) {
      state.rateLimit.set(limit === null ? null : v.parse(RateLimitSchema, limit));
    },
    script(faults) {
      state.faults.replace(faults.map((f) => v.parse(ClerkFaultSchema, f)));
    },
    setModes(modes) {
      const parsed = parseModes(modes);
      if (!parsed.ok) throw new Error(`invalid modes: ${parsed.issues.join("; ")}`);
      return state.modes.set(parsed.value);
    },
    modes: () => state.modes.current(),
    pendingFaults: () => state.faults.pending(),
    calls: () => state.calls.entries().map((call) => structuredClone(call)),
    exportKeys: () => state.keys.records(),
    async importKeys(keys) {
      const records = v.parse(v.array(KeyRecordSchema), keys);
      // After the seeding, which would otherwise put the demo keys back live over the kept ones.
      await state.ready();
      state.keys.load(records);
    },
  };
}
