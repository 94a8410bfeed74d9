/**
 * @module
 * A stand-in for a Cloudflare Access team: it publishes a key set at `/cdn-cgi/access/certs` as Access does, and
 * signs tokens the way Access signs `Cf-Access-Jwt-Assertion` (RS256, `iss` the team's origin, `aud` the
 * application's tag, `exp`, `email`). Tests and `npm start` make good tokens with it, and bad ones on purpose: forged
 * (another key under the published key id), expired, for another audience or another team. Control API under
 * `/__standin/`: `POST sign` `{claims?, forge?}` → `{token}` (for tests that run in workerd, away from this
 * object), `GET fetches` (how often the key set was fetched, to see the Worker cache it), `POST reset`.
 * Web-standard APIs and jose only: it runs in Node (Miniflare's outbound service, the local stack) and in workerd.
 */
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import * as v from "valibot";
import { jsonResponse } from "./standin-util.ts";

const SignRequestSchema = v.object({
  claims: v.optional(
    v.object({
      email: v.optional(v.string()),
      sub: v.optional(v.string()),
      aud: v.optional(v.string()),
      iss: v.optional(v.string()),
      exp: v.optional(v.number()),
      iat: v.optional(v.number()),
    }),
    {},
  ),
  forge: v.optional(v.boolean(), false),
});

/** Where Access publishes a team's keys (as src/access/access-verifier.ts expects). */
export const ACCESS_CERTS_PATH = "/cdn-cgi/access/certs";

/** Claims a test may set or spoil. */
export interface TokenClaims {
  email?: string;
  sub?: string;
  /** Defaults to the stand-in's audience. */
  aud?: string;
  /** Defaults to the stand-in's issuer. */
  iss?: string;
  /** Seconds since the epoch; defaults to an hour from now. */
  exp?: number;
  iat?: number;
}

/** A team's stand-in, and its signer. */
export interface AccessStandin {
  handle(request: Request): Promise<Response>;
  /** A token Access would sign for this team with `claims` changed. */
  sign(claims?: TokenClaims): Promise<string>;
  /** A token with the right key id and claims, signed by a key the team never published. */
  forge(claims?: TokenClaims): Promise<string>;
  /** Key-set fetches so far. */
  fetches(): number;
}

export interface AccessStandinOptions {
  /** The team's origin, the tokens' `iss` (e.g. `https://team.access.test`, `http://127.0.0.1:8790`). */
  issuer: string;
  /** The application's audience tag, the tokens' `aud`. */
  audience: string;
}

type Keys = Awaited<ReturnType<typeof generateKeyPair>>;

/** Builds a team stand-in with a fresh RS256 key. Key generation is lazy, so building one costs nothing. */
export function createAccessStandin(options: AccessStandinOptions): AccessStandin {
  const kid = `standin-${crypto.randomUUID().slice(0, 8)}`;
  let published: Promise<{ keys: Keys; jwk: JWK }> | undefined;
  let rogue: Promise<Keys> | undefined;
  let fetches = 0;
  const keysOf = () => {
    published ??= generateKeyPair("RS256", { extractable: true }).then(async (keys) => ({
      keys,
      jwk: { ...(await exportJWK(keys.publicKey)), kid, alg: "RS256", use: "sig" },
    }));
    return published;
  };

  const signWith = async (privateKey: CryptoKey, claims: TokenClaims) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ email: claims.email ?? "operator@example.com", type: "app" })
      .setProtectedHeader({ alg: "RS256", kid })
      .setIssuer(claims.iss ?? options.issuer)
      .setAudience(claims.aud ?? options.audience)
      .setSubject(claims.sub ?? "standin-user-1")
      .setIssuedAt(claims.iat ?? now)
      .setExpirationTime(claims.exp ?? now + 3600)
      .sign(privateKey);
  };

  const sign = async (claims: TokenClaims = {}) => signWith((await keysOf()).keys.privateKey, claims);
  const forge = async (claims: TokenClaims = {}) => {
    rogue ??= generateKeyPair("RS256", { extractable: true });
    return signWith((await rogue).privateKey, claims);
  };

  return {
    async handle(request) {
      const path = new URL(request.url).pathname;
      if (path === ACCESS_CERTS_PATH) {
        fetches += 1;
        return jsonResponse(200, { keys: [(await keysOf()).jwk] });
      }
      if (path === "/__standin/fetches") return jsonResponse(200, { fetches });
      if (path === "/__standin/sign" && request.method === "POST") {
        const input = v.safeParse(SignRequestSchema, await request.json().catch(() => undefined));
        if (!input.success) return jsonResponse(400, { error: "invalid sign request" });
        const { claims } = input.output;
        return jsonResponse(200, { token: input.output.forge ? await forge(claims) : await sign(claims) });
      }
      if (path === "/__standin/reset" && request.method === "POST") {
        fetches = 0;
        return jsonResponse(200, { ok: true });
      }
      return jsonResponse(404, { error: "not found" });
    },
    sign,
    forge,
    fetches: () => fetches,
  };
}
