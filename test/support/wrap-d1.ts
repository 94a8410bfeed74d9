/**
 * A D1 binding with a hook around every round trip: each statement run (`first`, `run`, `all`, `raw`) and each
 * `batch` is one. It wraps the real binding, so what does get through lands in the same database the test reads.
 */

const EXECUTORS = new Set<PropertyKey>(["first", "run", "all", "raw"]);

/** Runs one round trip: `call` performs it; the hook may delay it, fail it, or watch it. */
export type AroundRoundTrip = (call: () => Promise<unknown>, kind: "statement" | "batch") => Promise<unknown>;

/** `db` with `around` run for every round trip. */
export function wrapD1(db: D1Database, around: AroundRoundTrip): D1Database {
  // D1's batch takes only its own statements, so it is handed the real ones behind the wrappers.
  const real = new WeakMap<D1PreparedStatement, D1PreparedStatement>();
  const wrap = (inner: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(inner, {
      get(target, prop) {
        if (prop === "bind") return (...values: unknown[]) => wrap(target.bind(...values));
        const member = Reflect.get(target, prop, target);
        if (typeof member !== "function") return member;
        if (!EXECUTORS.has(prop)) return member.bind(target);
        return (...args: unknown[]) => around(() => member.apply(target, args), "statement");
      },
    });
    real.set(proxy, inner);
    return proxy;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrap(target.prepare(sql));
      if (prop === "batch")
        return (statements: D1PreparedStatement[]) =>
          around(() => target.batch(statements.map((s) => real.get(s) ?? s)), "batch");
      const member = Reflect.get(target, prop, target);
      return typeof member === "function" ? member.bind(target) : member;
    },
  });
}

/** What a counting D1 saw. */
export interface RoundTripCount {
  /** Round trips made so far (a batch is one). */
  total(): number;
  /**
   * Sequential round trips so far: a round trip that starts while another is in flight runs beside it and adds no
   * distance, so this counts the waves of round trips, which is what a D1 far away makes the caller wait for.
   */
  sequential(): number;
}

/** `db` counting its round trips. */
export function countingD1(db: D1Database): { db: D1Database; count: RoundTripCount } {
  let total = 0;
  let waves = 0;
  let inFlight = 0;
  const wrapped = wrapD1(db, async (call) => {
    total++;
    if (inFlight === 0) waves++;
    inFlight++;
    try {
      return await call();
    } finally {
      inFlight--;
    }
  });
  return { db: wrapped, count: { total: () => total, sequential: () => waves } };
}
