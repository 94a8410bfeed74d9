/**
 * @module
 * A D1 binding at a distance, for the bench's distance model: every round trip to the database waits a set latency
 * before it goes, as a primary an ocean away would make it wait, and is reported with what it ran and when, so the
 * bench can count the round trips on each path. It wraps the real binding inside workerd; src/ cannot tell.
 *
 * A round trip is one call that reaches the database: a statement's `run`, `first`, `all` or `raw`, one `batch`
 * (however many statements it carries: D1 runs a batch in one request), one `exec`. `prepare` and `bind` only build a
 * statement locally and cost nothing. A method the wrapper lacks (`withSession`, `dump`) is missing on purpose: code
 * that starts using one fails the bench loudly instead of escaping the model.
 *
 * Typed by shape rather than with workerd's D1 types: bench/ is type-checked for Node (tsconfig.node.json), where
 * workerd's types are not visible.
 */

/** The part of a D1 prepared statement the Worker uses. */
export interface D1StatementLike {
  bind(...values: unknown[]): D1StatementLike;
  first(...args: unknown[]): Promise<unknown>;
  run(...args: unknown[]): Promise<unknown>;
  all(...args: unknown[]): Promise<unknown>;
  raw(...args: unknown[]): Promise<unknown>;
}

/** The part of a D1 binding the Worker uses. */
export interface D1Like {
  prepare(sql: string): D1StatementLike;
  batch(statements: D1StatementLike[]): Promise<unknown[]>;
  exec(sql: string): Promise<unknown>;
}

/** One round trip: what it ran, when it left (before the latency) and when its answer was back, ms since the epoch. */
export interface RoundTrip {
  what: string;
  startedAt: number;
  /** Unset while the round trip is in flight. */
  endedAt?: number;
}

/** Whether `value` has the shape of a D1 binding. */
export function isD1Like(value: unknown): value is D1Like {
  return (
    typeof value === "object" &&
    value !== null &&
    "prepare" in value &&
    typeof value.prepare === "function" &&
    "batch" in value &&
    typeof value.batch === "function" &&
    "exec" in value &&
    typeof value.exec === "function"
  );
}

/** How far away the database is, asked again for each round trip, and who hears of each. */
export interface Distance {
  latencyMs(): number;
  /** Hears each round trip as it leaves; its `endedAt` is set when the answer is back (or the call failed). */
  onTrip(trip: RoundTrip): void;
}

/** `db` at `distance`. */
export function distantD1(db: D1Like, distance: Distance): D1Like {
  const roundTrip = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    const trip: RoundTrip = { what, startedAt: Date.now() };
    distance.onTrip(trip);
    try {
      const latencyMs = distance.latencyMs();
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      return await call();
    } finally {
      trip.endedAt = Date.now();
    }
  };
  return {
    prepare: (sql) => new DistantStatement(db.prepare(sql), statementLabel(sql), roundTrip),
    batch: (statements) =>
      roundTrip(`batch(${statements.map(labelOf).join(", ")})`, () => db.batch(statements.map(innerOf))),
    exec: (sql) => roundTrip(`exec(${statementLabel(sql)})`, () => db.exec(sql)),
  };
}

type RoundTripper = <T>(what: string, call: () => Promise<T>) => Promise<T>;

/** A prepared statement whose every execution is a round trip; binding stays local. */
class DistantStatement implements D1StatementLike {
  // Plain fields, not parameter properties: Node loads this file too (bench/distance.ts imports the handlers'
  // names), and Node only strips types, it does not compile them.
  readonly inner: D1StatementLike;
  readonly label: string;
  private readonly roundTrip: RoundTripper;

  constructor(inner: D1StatementLike, label: string, roundTrip: RoundTripper) {
    this.inner = inner;
    this.label = label;
    this.roundTrip = roundTrip;
  }

  bind(...values: unknown[]): D1StatementLike {
    return new DistantStatement(this.inner.bind(...values), this.label, this.roundTrip);
  }
  first(...args: unknown[]) {
    return this.roundTrip(this.label, () => this.inner.first(...args));
  }
  run(...args: unknown[]) {
    return this.roundTrip(this.label, () => this.inner.run(...args));
  }
  all(...args: unknown[]) {
    return this.roundTrip(this.label, () => this.inner.all(...args));
  }
  raw(...args: unknown[]) {
    return this.roundTrip(this.label, () => this.inner.raw(...args));
  }
}

/** The real statement, which the real `batch` insists on. */
function innerOf(statement: D1StatementLike): D1StatementLike {
  return statement instanceof DistantStatement ? statement.inner : statement;
}

function labelOf(statement: D1StatementLike): string {
  return statement instanceof DistantStatement ? statement.label : "?";
}

/**
 * A short name for a statement, enough to tell the steps of a path apart: the verb and the table, and for an UPDATE
 * the first column it sets (`UPDATE incidents.claimed_until` is a claim, `UPDATE incidents.status` a finish). SQL
 * text only, never the bound values, so no secret can reach the log line it ends up in.
 */
export function statementLabel(sql: string): string {
  const text = sql
    .replace(/--[^\n]*/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  const update = /^UPDATE (\w+) SET (\w+)/i.exec(text);
  if (update) return `UPDATE ${update[1]}.${update[2]}`;
  const insert = /^INSERT (?:OR \w+ )?INTO (\w+)/i.exec(text);
  if (insert) return `INSERT ${insert[1]}`;
  const remove = /^DELETE FROM (\w+)/i.exec(text);
  if (remove) return `DELETE ${remove[1]}`;
  const select = /^SELECT\b.*?\bFROM (\w+)/i.exec(text);
  if (select) return `SELECT ${select[1]}`;
  return text.split(" ", 1)[0] ?? "?";
}
