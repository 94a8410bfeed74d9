/**
 * @module
 * The Worker entry point: `fetch`, `queue` and `scheduled`, and the Durable Object class that paces Clerk calls. Each
 * handler reads the configuration, has src/wiring.ts build the use cases, and calls one (the cron two: the sweep and
 * the Clerk health check).
 */
import { readConfig } from "./config/config";
import { createApp } from "./http/app";
import { consoleLogger } from "./lib/log";
import { ok } from "./lib/result";
import { errorName } from "./lib/settle";
import { CONFIG_INVALID_HANDBACK_SECONDS, handBackBatch } from "./queue/hand-back";
import { wire } from "./wiring";

export { ClerkPacer } from "./pacing/clerk-pacer";

/**
 * Queues whose name ends so are dead-letter queues (wrangler.toml names ours `…-dlq`). Not exported:
 * workerd takes every export of the entry module for a handler or a bound class and refuses anything else.
 */
const DEAD_LETTER_QUEUE_SUFFIX = "-dlq";

function useCasesFor(env: Env) {
  const config = readConfig(env);
  return config.ok ? ok(wire(env, config.value)) : config;
}

function useCasesOrThrow(env: Env) {
  const useCases = useCasesFor(env);
  if (!useCases.ok) {
    consoleLogger.error("config_invalid", { problems: useCases.error });
    // Throwing fails this cron run; the next one, five minutes later, finds the same work in D1.
    throw new Error("autorevoke is misconfigured");
  }
  return useCases.value;
}

const app = createApp(useCasesFor, consoleLogger);

export default {
  fetch: app.fetch,

  async queue(batch, env, _ctx) {
    const wired = useCasesFor(env);
    if (!wired.ok) {
      // A bad deploy must not spend queued work's retries (throwing would, and the queues delete what runs out of
      // them): the batch goes back as fresh messages for the fixed deploy, dead letters onto the main queue.
      consoleLogger.error("config_invalid", { problems: wired.error });
      await handBackBatch(batch, env.REVOCATIONS, consoleLogger, {
        reason: "config_invalid",
        delaySeconds: CONFIG_INVALID_HANDBACK_SECONDS,
      });
      return;
    }
    const useCases = wired.value;
    if (batch.queue.endsWith(DEAD_LETTER_QUEUE_SUFFIX)) await useCases.consumeDeadLetters(batch);
    else await useCases.consumeRevocations(batch);
  },

  async scheduled(controller, env, _ctx) {
    const useCases = useCasesOrThrow(env);
    // Side by side: the health check never throws and never holds the sweep up; a failed sweep still fails the cron.
    // The machine secret refresh likewise: a failed one is logged, and the next run goes on.
    const [swept, , refreshed] = await Promise.allSettled([
      useCases.sweep(controller.scheduledTime),
      useCases.watchClerkHealth(),
      useCases.refreshMachineSecrets({ at: controller.scheduledTime }),
    ]);
    if (refreshed.status === "rejected")
      useCases.log.error("machine_secrets_refresh_failed", { error: errorName(refreshed.reason) });
    if (swept.status === "rejected") throw swept.reason;
  },
} satisfies ExportedHandler<Env>;
