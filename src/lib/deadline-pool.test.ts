import { describe, expect, it } from "vitest";
import { runUntilDeadline } from "./deadline-pool";

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const farDeadline = () => ({ deadlineAt: Date.now() + 60_000, now: Date.now });

/** Work whose every item waits for the test to release it. */
function heldWork() {
  const held = new Map<number, Deferred<string>>();
  const work = (_item: number, index: number) => {
    const d = deferred<string>();
    held.set(index, d);
    return d.promise;
  };
  const release = (index: number) => held.get(index)?.resolve(`result-${index}`);
  return { held, work, release };
}

describe("runUntilDeadline", () => {
  describe("happy path", () => {
    it("never has more than `concurrency` items in flight, and does use all lanes", async () => {
      let inFlight = 0;
      let most = 0;
      const run = await runUntilDeadline(
        range(20),
        async (item) => {
          inFlight++;
          most = Math.max(most, inFlight);
          await sleep(item % 3);
          inFlight--;
          return item;
        },
        { concurrency: 3, ...farDeadline() },
      );
      expect(most).toBe(3);
      expect(run.done.size).toBe(20);
    });

    it("keys each result by its item's index, whatever order they finish in", async () => {
      const items = range(8).map((i) => ({ value: i * 10, delayMs: 8 - i }));
      const finished: number[] = [];
      const run = await runUntilDeadline(
        items,
        async (item, index) => {
          await sleep(item.delayMs);
          finished.push(index);
          return item.value;
        },
        { concurrency: 8, ...farDeadline() },
      );
      expect(finished).not.toEqual(range(8));
      expect([...run.done.entries()].sort(([a], [b]) => a - b)).toEqual(range(8).map((i) => [i, i * 10]));
    });

    it("starts the items in order, each once, with its index", async () => {
      const calls: [string, number][] = [];
      await runUntilDeadline(
        ["a", "b", "c", "d"],
        async (item, index) => {
          calls.push([item, index]);
          return item;
        },
        { concurrency: 2, ...farDeadline() },
      );
      expect(calls).toEqual([
        ["a", 0],
        ["b", 1],
        ["c", 2],
        ["d", 3],
      ]);
    });

    it("answers as soon as all work is done, without waiting for a far deadline", async () => {
      const started = Date.now();
      const run = await runUntilDeadline(range(5), async (i) => i, { concurrency: 2, ...farDeadline() });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(run.unstarted).toEqual([]);
      expect((await run.late).size).toBe(0);
    });
  });

  describe("at the deadline", () => {
    it("stops starting items and reports the unstarted indices", async () => {
      const { held, work, release } = heldWork();
      const running = runUntilDeadline(range(5), work, {
        concurrency: 2,
        deadlineAt: Date.now() + 30,
        now: Date.now,
      });
      release(0); // frees a lane before the deadline: item 2 starts, 3 and 4 never do
      const run = await running;
      expect([...held.keys()]).toEqual([0, 1, 2]);
      expect(run.unstarted).toEqual([3, 4]);
      expect([...run.done.keys()]).toEqual([0]);
    });

    it("delivers work still in flight through `late`, not `done`", async () => {
      const { work, release } = heldWork();
      const running = runUntilDeadline(range(5), work, {
        concurrency: 2,
        deadlineAt: Date.now() + 30,
        now: Date.now,
      });
      release(0);
      const run = await running;
      release(2);
      release(1);
      const late = await run.late;
      expect([...late.entries()].sort(([a], [b]) => a - b)).toEqual([
        [1, "result-1"],
        [2, "result-2"],
      ]);
      expect([...run.done.keys()]).toEqual([0]);
    });

    it("stops starting once the `now` clock reaches the deadline, before any timer fires", async () => {
      let clock = 1_000;
      const started: number[] = [];
      const run = await runUntilDeadline(
        range(4),
        async (item) => {
          started.push(item);
          clock = 2_000; // the first item takes the injected clock past the deadline
          return item;
        },
        { concurrency: 1, deadlineAt: 1_500, now: () => clock },
      );
      expect(started).toEqual([0]);
      expect([...run.done.keys()]).toEqual([0]);
      expect(run.unstarted).toEqual([1, 2, 3]);
    });

    it("starts nothing when the deadline has already passed", async () => {
      const started: number[] = [];
      const run = await runUntilDeadline(
        range(3),
        async (item) => {
          started.push(item);
          return item;
        },
        { concurrency: 2, deadlineAt: Date.now() - 1, now: Date.now },
      );
      expect(started).toEqual([]);
      expect(run.unstarted).toEqual([0, 1, 2]);
      expect(run.done.size).toBe(0);
      expect((await run.late).size).toBe(0);
    });
  });

  describe("shouldStart", () => {
    it("stops new starts once it answers false, and lets started work finish", async () => {
      let starts = 0;
      const run = await runUntilDeadline(
        range(5),
        async (item) => {
          starts++;
          await sleep(1);
          return item;
        },
        { concurrency: 1, ...farDeadline(), shouldStart: () => starts < 2 },
      );
      expect(starts).toBe(2);
      expect([...run.done.keys()]).toEqual([0, 1]);
      expect(run.unstarted).toEqual([2, 3, 4]);
    });

    it("starts nothing when it answers false from the outset", async () => {
      let starts = 0;
      const run = await runUntilDeadline(
        range(3),
        async (item) => {
          starts++;
          return item;
        },
        { concurrency: 3, ...farDeadline(), shouldStart: () => false },
      );
      expect(starts).toBe(0);
      expect(run.unstarted).toEqual([0, 1, 2]);
    });
  });

  describe("edge cases", () => {
    it("answers at once for no items, calling no work", async () => {
      let calls = 0;
      const run = await runUntilDeadline(
        [],
        async () => {
          calls++;
          return 0;
        },
        { concurrency: 4, ...farDeadline() },
      );
      expect(calls).toBe(0);
      expect(run.done.size).toBe(0);
      expect(run.unstarted).toEqual([]);
      expect((await run.late).size).toBe(0);
    });

    it("runs every item at once when concurrency exceeds the item count", async () => {
      const { held, work, release } = heldWork();
      const running = runUntilDeadline(range(3), work, { concurrency: 10, ...farDeadline() });
      expect([...held.keys()]).toEqual([0, 1, 2]);
      for (const i of range(3)) release(i);
      expect((await running).done.size).toBe(3);
    });
  });
});
