/**
 * @module
 * What the pacing object's memory costs (issue 22, item 5): `npm run bench:pacer`. The real `ClerkPacer`, which
 * writes its memory once per `MARK_AHEAD_MS` of booked schedule, timed beside a variant that never writes (the
 * baseline) and one that writes on every booking, in one workerd, rounds interleaved so the machine's noise falls
 * on all three alike. Each round books `n` slots one after another, each a round trip to the object.
 *
 * Locally the storage is a SQLite file on this machine, so this measures the write and the output gate's wait for
 * it here; on Cloudflare a write is confirmed once replicated, a few milliseconds more, which is what the mark
 * spares all but about one booking in 90.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import * as v from "valibot";
import { median } from "./stats.ts";

const root = path.resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: { rounds: { type: "string", default: "7" }, n: { type: "string", default: "1000" } },
});
const rounds = Number(values.rounds);
const n = Number(values.n);

const scratch = await mkdtemp(path.join(tmpdir(), "autorevoke-pacer-bench-"));
const script = path.join(scratch, "worker.js");
await build({
  entryPoints: [path.join(root, "bench/pacer-storage.worker.ts")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  external: ["cloudflare:workers"],
  outfile: script,
  logLevel: "error",
});
// Miniflare 5 takes its options in a new shape; the v4 shape, converted, says the same in fewer lines.
const mf = new Miniflare(
  convertV4MiniflareOptions({
    modules: [{ type: "ESModule", path: script }],
    // Module names are paths under this root; the default (the cwd) cannot reach a temporary directory.
    modulesRoot: scratch,
    compatibilityDate: "2026-11-01",
    durableObjects: {
      CLERK_PACER: { className: "ClerkPacer", useSQLite: true },
      NO_WRITE: { className: "NoWritePacer", useSQLite: true },
      PER_BOOKING: { className: "PerBookingPacer", useSQLite: true },
    },
    // On disk, as a deployed object's storage is, not in memory.
    durableObjectsPersist: path.join(scratch, "do"),
  }),
);

const PACERS = ["none", "mark", "every"] as const;
const LABELS = {
  none: "no write (baseline)",
  mark: "ClerkPacer: mark, a write per second of schedule",
  every: "a write per booking",
};
const AnswerSchema = v.object({ ms: v.number() });
try {
  const perBooking: Record<(typeof PACERS)[number], number[]> = { none: [], mark: [], every: [] };
  // Round 0 warms the runtime and is not counted.
  for (let round = 0; round <= rounds; round++) {
    for (const pacer of PACERS) {
      const started = performance.now();
      const res = await mf.dispatchFetch(`http://bench/?pacer=${pacer}&n=${n}&round=${round}`);
      if (!res.ok) throw new Error(`${pacer}: ${res.status} ${await res.text()}`);
      v.parse(AnswerSchema, await res.json());
      const ms = performance.now() - started;
      if (round > 0) perBooking[pacer].push((ms * 1000) / n);
    }
  }
  const base = median(perBooking.none);
  process.stdout.write(
    `pacing object, ${n} bookings a round, ${rounds} rounds interleaved (median µs per booking, its round trip included)\n`,
  );
  for (const pacer of PACERS) {
    const us = median(perBooking[pacer]);
    process.stdout.write(
      `  ${LABELS[pacer].padEnd(52)} ${us.toFixed(1).padStart(8)} µs  ${(us / base).toFixed(2)}× baseline  (+${(us - base).toFixed(1)} µs)\n`,
    );
  }
} finally {
  await mf.dispose();
  await rm(scratch, { recursive: true, force: true });
}
