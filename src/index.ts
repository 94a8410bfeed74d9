/**
 * @module
 * The Worker entry point: `fetch`, `queue` and `scheduled`, and the Durable Object class that paces Clerk calls.
 */

import { readConfig } from "./config/config";
import { createApp } from "./http/app";
import { consoleLogger } from "./lib/log";
import { consumeDeadLetters } from "./use-cases/consume-dead-letters";
import { consumeRevocations } from "./use-cases/consume-revocations";
import { sweep } from "./use-cases/sweep";
import { buildServices } from "./wiring";

export { ClerkPacer } from "./pacing/clerk-pacer";

/**
 * Queues whose name ends so are dead-letter queues (wrangler.toml names ours `…-dlq`). Not exported:
 * workerd takes every export of the entry module for a handler or a bound class and refuses anything else.
 */
const DEAD_LETTER_QUEUE_SUFFIX = "-dlq";

const app = createApp();

function servicesOrThrow(env: Env) {
  const config = readConfig(env);
  if (!config.ok) {
    consoleLogger.error("config_invalid", { problems: config.error });
    // Throwing makes the runtime retry the whole batch / cron later instead of losing it.
    throw new Error("autorevoke is misconfigured");
  }
  return buildServices(env, config.value);
}

export default {
  fetch: app.fetch,

  async queue(batch, env, _ctx) {
    const services = servicesOrThrow(env);
    if (batch.queue.endsWith(DEAD_LETTER_QUEUE_SUFFIX)) {
      await consumeDeadLetters(batch, services);
    } else {
      await consumeRevocations(batch, services);
    }
  },

  async scheduled(controller, env, _ctx) {
    const services = servicesOrThrow(env);
    await sweep({ ...services, notificationsOn: services.deliver !== undefined }, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
