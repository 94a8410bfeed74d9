/**
 * @module
 * The cron for the local stack. `wrangler dev` runs no cron trigger on its own, and Miniflare's queue keeps its
 * messages in memory only (a restart forgets every queued and delayed message, while D1 keeps the incidents), so
 * without a sweep a local stack that was hard-stopped would leave those incidents `pending` for good. Deployed, the
 * `*\/5 * * * *` cron sweeps; locally this timer asks wrangler (`--test-scheduled`) to run the same `scheduled()`
 * handler, at once and then every interval. Node only.
 */

/** The Worker's cron expression (wrangler.toml `[triggers]`); `scheduled()` does the same work whatever it says. */
const CRON = "*/5 * * * *";
/** A sweep that takes longer is abandoned; the next tick tries again. */
const SWEEP_TIMEOUT_MS = 30_000;

/** A running sweep timer. */
export interface SweepTimer {
  stop(): void;
}

/**
 * Triggers `scheduled()` of the Worker at `url` now and every `intervalMs`, one sweep at a time (a tick that finds
 * the last one still running is skipped). `onFailure` hears of a sweep that did not answer 200.
 */
export function startSweepTimer(
  url: string,
  intervalMs: number,
  onFailure: (problem: string) => void,
): SweepTimer {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const res = await fetch(`${url}/__scheduled?cron=${encodeURIComponent(CRON)}`, {
        signal: AbortSignal.timeout(SWEEP_TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (!res.ok) onFailure(`GET /__scheduled answered ${res.status}`);
    } catch (error) {
      onFailure(error instanceof Error ? error.message : String(error));
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  return { stop: () => clearInterval(timer) };
}
