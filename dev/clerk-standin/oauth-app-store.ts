/**
 * @module
 * The stand-in's OAuth applications, to Clerk's published `OAuthApplication` object: add (the control API creates
 * them, as the dashboard would), find one by id or `client_id`, and list a page as `GET /oauth_applications` does,
 * filtered by `name_query` (a case-insensitive part of the name, or exactly the `client_id`) and ordered by
 * `order_by`. An application's client secret is never handed out: nothing here needs it.
 */
import * as v from "valibot";
import type { OAuthApplicationJson } from "../clerk-schemas.ts";
import { BASE62_ALPHABET, randomString } from "../standin-util.ts";

/** Input for an application created on the control side. */
export const StandinOAuthApplicationInputSchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(256))),
  /** A chosen id and client id (the demo application's); random otherwise. */
  id: v.optional(v.pipe(v.string(), v.regex(/^oa_\w{27}$/))),
  client_id: v.optional(v.pipe(v.string(), v.regex(/^client_\w{27}$/))),
});
export type StandinOAuthApplicationInput = v.InferInput<typeof StandinOAuthApplicationInputSchema>;

/** `order_by`'s values: `created_at` or `name`, ascending unless prefixed `-`. */
export const OAUTH_APPS_ORDER = /^([+-]?)(created_at|name)$/;

/** What `GET /oauth_applications` asks for. */
export interface OAuthApplicationQuery {
  offset: number;
  limit: number;
  nameQuery?: string | undefined;
  /** A value matching `OAUTH_APPS_ORDER`; absent: newest first. */
  orderBy?: string | undefined;
}

/** The OAuth applications of one stand-in instance. */
export interface OAuthApplicationStore {
  /** Creates an application whose URLs sit under `issuer` (the instance's origin). */
  add(input: StandinOAuthApplicationInput, issuer: string): OAuthApplicationJson;
  get(id: string): OAuthApplicationJson | undefined;
  byClientId(clientId: string): OAuthApplicationJson | undefined;
  page(query: OAuthApplicationQuery): { data: OAuthApplicationJson[]; total_count: number };
  list(): OAuthApplicationJson[];
  clear(): void;
}

/** Builds an empty store; `now` (milliseconds) stamps the applications. */
export function createOAuthApplicationStore(now: () => number): OAuthApplicationStore {
  // Insertion order breaks ties between applications created in the same millisecond.
  const apps = new Map<string, OAuthApplicationJson>();
  const copy = (app: OAuthApplicationJson): OAuthApplicationJson => ({
    ...app,
    redirect_uris: [...app.redirect_uris],
  });
  return {
    add(input, issuer) {
      const at = now();
      const app: OAuthApplicationJson = {
        object: "oauth_application",
        id: input.id ?? `oa_${randomString(BASE62_ALPHABET, 27)}`,
        instance_id: "ins_standin",
        name: input.name ?? `standin-oauth-app-${randomString(BASE62_ALPHABET, 6)}`,
        client_id: input.client_id ?? `client_${randomString(BASE62_ALPHABET, 27)}`,
        client_uri: null,
        client_image_url: null,
        dynamically_registered: false,
        consent_screen_enabled: true,
        pkce_required: false,
        public: false,
        scopes: "profile email",
        redirect_uris: [],
        callback_url: "",
        authorize_url: `${issuer}/oauth/authorize`,
        token_fetch_url: `${issuer}/oauth/token`,
        user_info_url: `${issuer}/oauth/userinfo`,
        discovery_url: `${issuer}/.well-known/openid-configuration`,
        token_introspection_url: `${issuer}/oauth/token_info`,
        created_at: at,
        updated_at: at,
      };
      apps.set(app.id, app);
      return copy(app);
    },
    get(id) {
      const app = apps.get(id);
      return app && copy(app);
    },
    byClientId(clientId) {
      const app = [...apps.values()].find((a) => a.client_id === clientId);
      return app && copy(app);
    },
    page({ offset, limit, nameQuery, orderBy }) {
      const needle = nameQuery?.toLowerCase();
      const matching = [...apps.values()].filter(
        (a) => needle === undefined || a.name.toLowerCase().includes(needle) || a.client_id === nameQuery,
      );
      // The spec's `order_by` defaults to `+created_at`, but its description and the SDK's both say newest first
      // when none is given: the stand-in follows the descriptions, so a client relying on either order is seen.
      const [, sign, field] = OAUTH_APPS_ORDER.exec(orderBy ?? "-created_at") ?? [];
      const direction = sign === "-" ? -1 : 1;
      const sorted = matching
        .map((app, seq) => ({ app, seq }))
        .sort((a, b) => {
          const by =
            field === "name" ? a.app.name.localeCompare(b.app.name) : a.app.created_at - b.app.created_at;
          return direction * (by === 0 ? a.seq - b.seq : by);
        })
        .map(({ app }) => copy(app));
      return { data: sorted.slice(offset, offset + limit), total_count: matching.length };
    },
    list: () => [...apps.values()].map(copy),
    clear: () => apps.clear(),
  };
}
