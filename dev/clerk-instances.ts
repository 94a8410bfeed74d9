/**
 * @module
 * Several Clerk instances behind one API host, as real Clerk serves them: every instance answers at
 * `https://api.clerk.com`, and the `Authorization: Bearer <secret key>` picks the instance. Each instance is its own
 * stand-in (dev/clerk-standin.ts) with its own keys, faults, rate limit and call log.
 *
 * - API calls go to the instance whose secret key the bearer carries. A bearer no instance holds goes to the first
 *   instance, which answers 401 as Clerk would.
 * - Control routes name their instance: `/instances/<name>/__standin/<route>` is `/__standin/<route>` of that
 *   instance's stand-in (`keys`, `script`, `rate-limit`, `modes`, `calls`, `reset`, ...), so
 *   `<host>/instances/<name>` works as a stand-in's base URL. `POST /__standin/reset` resets every instance (modes
 *   included); the lists (`GET /__standin/keys`, `calls`, `m2m_tokens`, `machines`, `oauth_applications`,
 *   `oauth_access_tokens`, `jwts`, `users`, `organizations`) answer every instance's, each entry with its
 *   `instance`. Anything that creates something names its instance: a token minted in the wrong one would be unknown
 *   where it is looked for.
 *
 * Runs in Node (outbound service, local stack) and in workerd: no runtime-specific imports.
 */
import { type ClerkStandin, type ClerkStandinOptions, createClerkStandin } from "./clerk-standin.ts";

/** One instance: its name and the options of its stand-in, or a stand-in built already (with that secret key). */
export interface ClerkInstanceOptions extends ClerkStandinOptions {
  name: string;
  standin?: ClerkStandin;
}

/** Several instances behind one host. */
export interface ClerkInstances {
  handle(request: Request): Promise<Response>;
  /** The stand-in of the instance `name`. */
  instance(name: string): ClerkStandin | undefined;
  reset(): Promise<void>;
}

const INSTANCE_CONTROL = /^\/instances\/([a-z0-9-]+)(\/__standin\/.*)$/;

/** The control API's lists, which the host answers for every instance at once. */
const AGGREGATED_LISTS: ReadonlySet<string> = new Set(
  [
    "keys",
    "calls",
    "m2m_tokens",
    "machines",
    "oauth_applications",
    "oauth_access_tokens",
    "jwts",
    "users",
    "organizations",
  ].map((route) => `/__standin/${route}`),
);

/** Builds the instances; the first also answers bearers that no instance holds. */
export function createClerkInstances(instances: readonly ClerkInstanceOptions[]): ClerkInstances {
  if (instances.length === 0) throw new Error("at least one instance");
  const standins = new Map(
    instances.map((o) => [o.name, { secretKey: o.secretKey, standin: o.standin ?? createClerkStandin(o) }]),
  );
  const first = [...standins.values()][0]?.standin as ClerkStandin;
  const reset = async () => {
    await Promise.all([...standins.values()].map((s) => s.standin.reset()));
  };

  return {
    async handle(request) {
      const url = new URL(request.url);
      const control = INSTANCE_CONTROL.exec(url.pathname);
      if (control) {
        const target = standins.get(control[1] ?? "");
        if (!target) return Response.json({ error: "no such instance" }, { status: 404 });
        const forwarded = new URL(`${control[2] ?? ""}${url.search}`, url);
        return target.standin.handle(new Request(forwarded, request));
      }
      if (url.pathname === "/__standin/reset" && request.method === "POST") {
        await reset();
        return Response.json({ ok: true });
      }
      if (AGGREGATED_LISTS.has(url.pathname) && request.method === "GET") {
        const all: unknown[] = [];
        for (const [name, s] of standins) {
          const res = await s.standin.handle(new Request(url, { method: "GET" }));
          const entries: unknown = await res.json();
          if (Array.isArray(entries))
            for (const entry of entries) all.push({ ...(entry as Record<string, unknown>), instance: name });
        }
        return Response.json(all);
      }
      if (url.pathname.startsWith("/__standin/"))
        return Response.json(
          { error: "name the instance: /instances/<name>/__standin/..." },
          { status: 404 },
        );
      const bearer = request.headers.get("authorization");
      const target = [...standins.values()].find((s) => bearer === `Bearer ${s.secretKey}`);
      return (target?.standin ?? first).handle(request);
    },
    instance: (name) => standins.get(name)?.standin,
    reset,
  };
}
