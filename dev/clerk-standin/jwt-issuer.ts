/**
 * @module
 * The JWTs one stand-in instance signs, as Clerk signs its JWT-format machine tokens: one RS256 key pair per instance
 * (generated on first use and kept across resets, as an instance's key outlives its tokens), its JWKS for
 * `GET /v1/jwks`, M2M JWTs and OAuth JWT access tokens in Clerk's shapes, and forgeries of both shapes signed by a
 * key the instance never published, for tests of a signature check.
 *
 * JWT-format tokens are stateless at Clerk: nothing here can revoke one, and only a record of what was minted (never
 * the token) is kept, for the control API. Expiry is the token's own `exp`.
 */
import * as v from "valibot";
import { OAUTH_TOKEN_ID_PATTERN, type OAuthAccessTokenJson } from "../clerk-schemas.ts";
import { BASE62_ALPHABET, randomHex, randomString } from "../standin-util.ts";
import {
  type DecodedJwt,
  generateRsaSigningKey,
  type RsaPublicJwk,
  type RsaSigningKey,
  signJwt,
  verifiedJwt,
} from "./jwt-sign.ts";

/** The `cat` header Clerk puts on its M2M JWTs (`@clerk/backend`'s `JWT_CATEGORY_M2M_TOKEN`). */
export const M2M_JWT_CATEGORY = "cl_B7d4PD333AAA";
/** The `typ` of an OAuth JWT access token (RFC 9068), as `@clerk/backend` expects it. */
export const OAUTH_JWT_TYPE = "at+jwt";
/** A JWT's lifetime when none is asked for: an hour, as a machine's `default_token_ttl`. */
export const DEFAULT_JWT_TTL_MS = 3_600_000;

/** Which machine token a JWT is. */
export type JwtKind = "m2m" | "oauth";

/** What to put in an M2M JWT; `expiration` in milliseconds since the epoch. */
export interface M2MJwtClaims {
  issuer: string;
  subject: string;
  expiration?: number | null | undefined;
}

/** What to put in an OAuth JWT access token. */
export interface OAuthJwtClaims extends M2MJwtClaims {
  clientId: string;
  scopes: readonly string[];
}

/** A minted JWT: its `jti`, the token (its only copy) and when it expires (milliseconds). */
export interface MintedJwt {
  id: string;
  token: string;
  expiration: number;
}

/** What the control API reports of a JWT the instance signed: never the token. */
export interface JwtRecord {
  kind: JwtKind;
  id: string;
  kid: string;
  subject: string;
  client_id: string | null;
  issued_at: number;
  expiration: number;
  expired: boolean;
}

/** The JWT side of one stand-in instance. */
export interface JwtIssuer {
  /** The instance key's id. */
  readonly kid: string;
  /** The JWKS `GET /v1/jwks` answers. */
  jwks(): Promise<{ keys: RsaPublicJwk[] }>;
  mintM2M(claims: M2MJwtClaims): Promise<MintedJwt>;
  mintOAuth(claims: OAuthJwtClaims): Promise<MintedJwt>;
  /** A JWT of `kind`'s shape, naming the instance's `kid`, but signed by a key nobody published. Not recorded. */
  forge(kind: JwtKind, claims: OAuthJwtClaims): Promise<MintedJwt>;
  /** The header and payload of a JWT the instance's key signed; `undefined` for any other token. */
  verify(token: string): Promise<DecodedJwt | undefined>;
  records(): JwtRecord[];
  /** Forgets the records; the key stays. */
  clear(): void;
}

/** Builds the issuer of an instance; `now` (milliseconds) stamps `iat`/`nbf` and decides `expired`. */
export function createJwtIssuer(now: () => number): JwtIssuer {
  // Clerk names its JWKS keys by instance (`ins_…`).
  const kid = `ins_${randomString(BASE62_ALPHABET, 27)}`;
  let key: Promise<RsaSigningKey> | undefined;
  const signingKey = () => {
    key ??= generateRsaSigningKey(kid);
    return key;
  };
  let records: Omit<JwtRecord, "expired">[] = [];

  const shape = (kind: JwtKind, claims: OAuthJwtClaims, id: string) => {
    const iat = Math.floor(now() / 1000);
    const expiration = claims.expiration ?? now() + DEFAULT_JWT_TTL_MS;
    const exp = Math.floor(expiration / 1000);
    const common = { iss: claims.issuer, sub: claims.subject, jti: id, iat, nbf: iat, exp };
    return kind === "m2m"
      ? {
          header: { typ: "JWT", kid, cat: M2M_JWT_CATEGORY },
          payload: common,
          expiration: exp * 1000,
        }
      : {
          header: { typ: OAUTH_JWT_TYPE, kid },
          payload: { ...common, client_id: claims.clientId, scope: claims.scopes.join(" ") },
          expiration: exp * 1000,
        };
  };
  const newId = (kind: JwtKind) => (kind === "m2m" ? `mt_${randomHex(16)}` : `oat_${randomHex(16)}`);

  const mint = async (kind: JwtKind, claims: OAuthJwtClaims): Promise<MintedJwt> => {
    const id = newId(kind);
    const { header, payload, expiration } = shape(kind, claims, id);
    const token = await signJwt((await signingKey()).privateKey, header, payload);
    records.push({
      kind,
      id,
      kid,
      subject: claims.subject,
      client_id: kind === "oauth" ? claims.clientId : null,
      issued_at: payload.iat * 1000,
      expiration,
    });
    return { id, token, expiration };
  };

  return {
    kid,
    jwks: async () => ({ keys: [(await signingKey()).publicJwk] }),
    mintM2M: (claims) => mint("m2m", { ...claims, clientId: "", scopes: [] }),
    mintOAuth: (claims) => mint("oauth", claims),
    async forge(kind, claims) {
      const id = newId(kind);
      const { header, payload, expiration } = shape(kind, claims, id);
      const stranger = await generateRsaSigningKey(kid);
      return { id, token: await signJwt(stranger.privateKey, header, payload), expiration };
    },
    verify: async (token) => verifiedJwt(token, (await signingKey()).publicKey),
    records: () => records.map((r) => ({ ...r, expired: r.expiration <= now() })),
    clear() {
      records = [];
    },
  };
}

const OAuthJwtPayloadSchema = v.object({
  sub: v.pipe(v.string(), v.regex(/^user_\w{27}$/)),
  client_id: v.string(),
  jti: v.pipe(v.string(), v.regex(OAUTH_TOKEN_ID_PATTERN)),
  scope: v.optional(v.string(), ""),
  iat: v.number(),
  exp: v.number(),
});

/**
 * What verify makes of an OAuth JWT access token the instance signed: the spec's token object while it is live,
 * `inactive` once past its `exp` (the spec's `{active: false}`), `undefined` when it is not one (a JWT of another
 * `typ`, or claims that are not Clerk's). Pure: `now` in milliseconds.
 */
export function readOAuthJwt(
  jwt: DecodedJwt,
  now: number,
): { found: "live"; token: OAuthAccessTokenJson } | { found: "inactive" } | undefined {
  if (jwt.header.typ !== OAUTH_JWT_TYPE) return undefined;
  const parsed = v.safeParse(OAuthJwtPayloadSchema, jwt.payload);
  if (!parsed.success) return undefined;
  const p = parsed.output;
  if (p.exp * 1000 <= now) return { found: "inactive" };
  return {
    found: "live",
    token: {
      object: "clerk_idp_oauth_access_token",
      id: p.jti,
      client_id: p.client_id,
      subject: p.sub,
      scopes: p.scope === "" ? [] : p.scope.split(" "),
      revoked: false,
      revocation_reason: null,
      expired: false,
      expiration: p.exp * 1000,
      created_at: p.iat * 1000,
      updated_at: p.iat * 1000,
    },
  };
}
