/**
 * The queues' settings in wrangler.toml, as wrangler reads them: nothing a consumer gives up on may be deleted. A
 * consumer with no `dead_letter_queue` deletes a message after `max_retries`; a dead-letter consumer with no
 * `max_retries` gets Cloudflare's default of 3.
 */

import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";

interface Consumer {
  queue: string;
  dead_letter_queue?: string;
  max_retries?: number;
  retry_delay?: number;
}
const consumers: Consumer[] = unstable_readConfig({ config: "wrangler.toml" }).queues.consumers ?? [];
const consumer = (queue: string) => consumers.find((c) => c.queue === queue);

describe("the queues in wrangler.toml", () => {
  it("give every consumer somewhere to put what it gives up on, so no message is ever deleted", () => {
    expect(consumers.map((c) => c.queue).sort()).toEqual([
      "autorevoke-revocations",
      "autorevoke-revocations-dlq",
    ]);
    for (const c of consumers) expect(c.dead_letter_queue, c.queue).toBeTruthy();
    expect(consumer("autorevoke-revocations")?.dead_letter_queue).toBe("autorevoke-revocations-dlq");
    expect(consumer("autorevoke-revocations-dlq")?.dead_letter_queue).toBe("autorevoke-revocations");
  });

  it("give the dead-letter consumer the most retries Queues allows, minutes apart, not the default 3", () => {
    expect(consumer("autorevoke-revocations-dlq")).toMatchObject({ max_retries: 100, retry_delay: 300 });
  });

  it("space the main consumer's retries of a batch that threw", () => {
    expect(consumer("autorevoke-revocations")).toMatchObject({ max_retries: 20, retry_delay: 30 });
  });
});
