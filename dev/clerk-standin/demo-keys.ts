/**
 * @module
 * The fixed keys `npm start` seeds into its Clerk stand-ins, so `npm run alert` has live keys to send without any
 * setup, and the addresses of their owners, so a revoked demo key has someone to email. Stand-in data, not real
 * credentials: the secrets are public in this repository on purpose.
 */
import type { CreatedStandinKey } from "./key-store.ts";

/** A fixed demo M2M token: its id, its raw value and its machine. Stand-in data, not a real credential. */
export interface DemoM2MToken {
  id: string;
  token: string;
  subject: string;
}

/** The opaque M2M token `npm start` seeds into its staging (or only) instance, for `npm run alert -- --kind m2m`. */
export const DEMO_M2M_TOKENS: readonly DemoM2MToken[] = [
  {
    id: "mt_5d1c0b7e9a4f4e2c8b3a6f0d1e2c3b4a",
    token: "mt_Hq4ZpR7vX2mN9cT1wK6yB3fL8sD5gJ0a",
    subject: "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
  },
];

/** A fixed demo machine: its id, name and secret key (an `ak_` value). Stand-in data, not a real credential. */
export interface DemoMachine {
  id: string;
  name: string;
  secret: string;
}

/** The machine `npm start` seeds beside the demo M2M token, which is its token. */
export const DEMO_MACHINES: readonly DemoMachine[] = [
  {
    id: "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
    name: "DEMO_REPORTING_WORKER",
    secret: "ak_jhq4Z9l6RDea9ugEoX748zNYNV2dDLgwkqxGVwhA",
  },
];

/** A fixed demo OAuth application and one opaque access token a user granted it. Stand-in data, not credentials. */
export interface DemoOAuthGrant {
  application: { id: string; client_id: string; name: string };
  token: { id: string; token: string; subject: string };
}

/**
 * The OAuth application `npm start` seeds into its staging (or only) instance, with an opaque access token; its JWT
 * access token and the M2M JWT are signed at start by the instance's own key, so they cannot be fixed here.
 */
export const DEMO_OAUTH_GRANTS: readonly DemoOAuthGrant[] = [
  {
    application: {
      id: "oa_yupbk7kMZz93IyV6leAlbinX7tU",
      client_id: "client_ewbLXroEVYJnz41K08WKgdJybbj",
      name: "DEMO_CALENDAR_SYNC",
    },
    token: {
      id: "oat_b13e11e1cab8867d7f5f500f8c70d6df",
      token: "oat_7jyIBEEacFcRpYpNPAf6N56AQFgvym6O",
      subject: "user_NBjrBW4NK8KD8G1nsmwW2MhL00C",
    },
  },
];

/** Fixed demo keys seeded for `npm start` (`seedDemo: true`). Stand-in data, not real credentials. */
export const DEMO_KEYS: readonly CreatedStandinKey[] = [
  {
    id: "ak_c5e0e420f90655d9926c7be126aca9ed",
    secret: "ak_jooyyQLnfSSQw3PDsWXSbdGhGMEfroswjTH37L12",
    name: "DEMO_BILLING_SERVICE",
    subject: "user_0lJizwb8i62dXE2d8VBn1VTjrV8",
  },
  {
    id: "ak_08b3cac8cfe6c920e908479136a5387f",
    secret: "ak_g9jVrwbKIrtcVDnTuF0w0zzx35HdpdOl51jQ37Yf",
    name: "DEMO_CI_DEPLOY",
    subject: "user_9NAfGLLl4sZXfBz68w3FxQlIWqK",
  },
  {
    id: "ak_20c75ae874059bba5c5786399ccdc912",
    secret: "ak_jwV3lGHGqzFNsO3DjEmMY9RXkL3QmUB2VAKNm3YX",
    name: "DEMO_ANALYTICS_EXPORT",
    subject: "user_aQ51m70bPaJE4wKHW6uOw5tjjQE",
  },
];

/**
 * Fixed demo keys of a second, production instance (`prod`) for `npm start`, which runs two instances. Stand-in data,
 * not real credentials.
 */
export const PROD_DEMO_KEYS: readonly CreatedStandinKey[] = [
  {
    id: "ak_afa2733987402a9631ca242768be32d8",
    secret: "ak_Q0HPoIE63gFqxkXeO5opCCvk55vI5Y6Iyu03oUrN",
    name: "DEMO_PROD_PAYMENTS",
    subject: "user_LyqCAKsiZWglY02S1ZvbI3LgdkM",
  },
  {
    id: "ak_a8634cb0a78e01f56f74ee8dea2c3746",
    secret: "ak_YZV8SjJQoAubeDmaKHZvYouaJbdtdfbb8VnYjv1T",
    name: "DEMO_PROD_SEARCH_INDEXER",
    subject: "user_G2ultS9w1kO75jpTXCRfoVnIRRw",
  },
];

/**
 * The address of a demo key's owner, the user its subject names: `owner+<name>@example.test`, e.g.
 * `owner+billing-service@example.test` for `DEMO_BILLING_SERVICE`, so every owner is `owner@example.test` to a reader
 * and each email says whose key it was about.
 */
export function demoOwnerEmail(key: Pick<CreatedStandinKey, "name">): string {
  const slug = key.name
    .toLowerCase()
    .replace(/^demo_/, "")
    .replaceAll(/[^a-z0-9]+/g, "-");
  return `owner+${slug}@example.test`;
}
