/**
 * @module
 * Runs async work over items with bounded concurrency until a deadline. At the deadline it stops
 * starting items and returns what finished; work still in flight keeps going and reports through
 * `late`, so a caller can answer on time and finish the rest in the background.
 */

/** Options of a run. */
export interface DeadlinePoolOptions {
  concurrency: number;
  /** Milliseconds since the epoch, on the `now` clock. */
  deadlineAt: number;
  now: () => number;
  /** Checked before each start; `false` stops new starts (e.g. after a rate limit). */
  shouldStart?: () => boolean;
}

/** What a run came to at the deadline. */
export interface DeadlinePoolRun<R> {
  /** Results that were in by the deadline, by item index. */
  done: Map<number, R>;
  /** Indices never started. */
  unstarted: number[];
  /** Results of the items that were in flight at the deadline, as they finish. */
  late: Promise<Map<number, R>>;
}

/** `work` must not throw: turn failures into values before they reach the pool. */
export async function runUntilDeadline<T, R>(
  items: readonly T[],
  work: (item: T, index: number) => Promise<R>,
  options: DeadlinePoolOptions,
): Promise<DeadlinePoolRun<R>> {
  const done = new Map<number, R>();
  const late = new Map<number, R>();
  const inFlight = new Map<number, Promise<void>>();
  let next = 0;
  let closed = false;

  const canStart = () =>
    !closed && next < items.length && options.now() < options.deadlineAt && (options.shouldStart?.() ?? true);

  const lane = async () => {
    while (canStart()) {
      const index = next++;
      const run = work(items[index] as T, index).then((result) => {
        (closed ? late : done).set(index, result);
        inFlight.delete(index);
      });
      inFlight.set(index, run);
      await run;
    }
  };

  const lanes = Promise.all(Array.from({ length: Math.min(options.concurrency, items.length) }, lane));
  let timer: ReturnType<typeof setTimeout> | null = null;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, options.deadlineAt - options.now()));
  });
  await Promise.race([lanes, deadline]);
  clearTimeout(timer);
  closed = true;

  const unstarted: number[] = [];
  for (let i = next; i < items.length; i++) unstarted.push(i);
  const pending = [...inFlight.values()];
  return { done, unstarted, late: Promise.all(pending).then(() => late) };
}
