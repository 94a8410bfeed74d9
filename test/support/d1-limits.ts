/**
 * Local D1 with production D1's limit on a string or BLOB. Cloudflare documents "Maximum string, BLOB or
 * table row size: 2,000,000 bytes" (https://developers.cloudflare.com/d1/platform/limits/), but the D1
 * that Miniflare runs in tests refused a bound string only above about 8 MiB when measured here
 * (2026-11-29, wrangler 4.156.2): a parameter production refuses passes locally. Local D1 already refuses
 * a statement over 100,000 bytes and more than 100 parameters, so only this limit is added.
 *
 * The limit is written out here rather than imported from `src/`, so a wrong constant in the code under
 * test cannot make this check agree with it.
 */

/** D1's documented maximum string, BLOB or row size, in bytes. */
const D1_MAX_STRING_BYTES = 2_000_000;

/** What D1 answers when a value is too big. */
export const TOO_BIG_MESSAGE = "D1_ERROR: string or blob too big: SQLITE_TOOBIG";

const encoder = new TextEncoder();

function byteSize(value: unknown): number {
  if (typeof value === "string") return encoder.encode(value).length;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return value.byteLength;
  return 0;
}

function tooBig(values: readonly unknown[]): boolean {
  return values.some((value) => byteSize(value) > D1_MAX_STRING_BYTES);
}

const EXECUTORS = new Set<PropertyKey>(["first", "run", "all", "raw"]);

/**
 * `db` refusing, as production does, any statement with a bound string or BLOB over 2,000,000 bytes; a
 * batch holding one fails as a whole. The check runs when a statement executes, as D1's does, so a
 * caller sees the refusal where production would show it.
 */
export function withProductionStringLimit(db: D1Database): D1Database {
  const bound = new WeakMap<D1PreparedStatement, { inner: D1PreparedStatement; values: unknown[] }>();

  const wrap = (inner: D1PreparedStatement, values: unknown[]): D1PreparedStatement => {
    const statement = new Proxy(inner, {
      get(target, prop) {
        if (prop === "bind") return (...next: unknown[]) => wrap(target.bind(...next), next);
        const member = Reflect.get(target, prop, target);
        if (typeof member !== "function") return member;
        if (!EXECUTORS.has(prop)) return member.bind(target);
        return (...args: unknown[]) =>
          tooBig(values) ? Promise.reject(new Error(TOO_BIG_MESSAGE)) : member.apply(target, args);
      },
    });
    bound.set(statement, { inner, values });
    return statement;
  };

  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrap(target.prepare(sql), []);
      if (prop === "batch")
        return (statements: D1PreparedStatement[]) => {
          const unwrapped = statements.map((s) => bound.get(s) ?? { inner: s, values: [] });
          if (unwrapped.some((s) => tooBig(s.values))) return Promise.reject(new Error(TOO_BIG_MESSAGE));
          return target.batch(unwrapped.map((s) => s.inner));
        };
      const member = Reflect.get(target, prop, target);
      return typeof member === "function" ? member.bind(target) : member;
    },
  });
}
