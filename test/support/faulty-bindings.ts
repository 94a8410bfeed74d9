/**
 * Bindings that fail or crawl, for the fault tests: a D1 that is down or slow, a queue whose sends throw or hang.
 * They wrap the real bindings, so what does get through lands in the same D1 and queue the rest of the test reads.
 */

const EXECUTORS = new Set<PropertyKey>(["first", "run", "all", "raw"]);

/** `db` with `behave` run before every statement and batch: a delay, or a failure. */
function wrapD1(db: D1Database, behave: () => Promise<void>): D1Database {
  // D1's batch takes only its own statements, so it is handed the real ones behind the wrappers.
  const real = new WeakMap<D1PreparedStatement, D1PreparedStatement>();
  const wrap = (inner: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(inner, {
      get(target, prop) {
        if (prop === "bind") return (...values: unknown[]) => wrap(target.bind(...values));
        const member = Reflect.get(target, prop, target);
        if (typeof member !== "function") return member;
        if (!EXECUTORS.has(prop)) return member.bind(target);
        return async (...args: unknown[]) => {
          await behave();
          return member.apply(target, args);
        };
      },
    });
    real.set(proxy, inner);
    return proxy;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrap(target.prepare(sql));
      if (prop === "batch")
        return async (statements: D1PreparedStatement[]) => {
          await behave();
          return target.batch(statements.map((s) => real.get(s) ?? s));
        };
      const member = Reflect.get(target, prop, target);
      return typeof member === "function" ? member.bind(target) : member;
    },
  });
}

/** A D1 that is down: every call fails as D1 does when it cannot be reached. */
export const unavailableD1 = (db: D1Database) =>
  wrapD1(db, () => Promise.reject(new Error("D1_ERROR: Network connection lost.")));

/** A D1 where every call takes `delayMs` longer. */
export const slowD1 = (db: D1Database, delayMs: number) =>
  wrapD1(db, () => new Promise((resolve) => setTimeout(resolve, delayMs)));

/** A queue whose sends fail (the binding is down); `sent` counts the attempts. */
export function unavailableQueue<T>(): Queue<T> & { attempts: number } {
  const queue = {
    attempts: 0,
    send: async () => {
      queue.attempts++;
      throw new Error("Queue send failed: service unavailable");
    },
    sendBatch: async () => {
      queue.attempts++;
      throw new Error("Queue send failed: service unavailable");
    },
  };
  return queue as unknown as Queue<T> & { attempts: number };
}

/** `queue` with every send taking `delayMs` longer. */
export function slowQueue<T>(queue: Queue<T>, delayMs: number): Queue<T> {
  const wait = () => new Promise((resolve) => setTimeout(resolve, delayMs));
  return {
    send: async (...args: Parameters<Queue<T>["send"]>) => {
      await wait();
      return queue.send(...args);
    },
    sendBatch: async (...args: Parameters<Queue<T>["sendBatch"]>) => {
      await wait();
      return queue.sendBatch(...args);
    },
  } as Queue<T>;
}
