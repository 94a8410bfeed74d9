import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { type Unstable_Config, unstable_readConfig } from "wrangler";
import { generateGithubAppKey } from "./dev/github-app-key.ts";
import {
  outboundService,
  TEST_GITHUB_APP_ID,
  TEST_GITHUB_WEBHOOK_SECRET,
  TEST_INBOUND_WEBHOOK_SECRET,
  TEST_NOTIFY_SECRET,
  TEST_SEALING_KEYS,
  useGithubAppPublicKey,
} from "./dev/outbound.ts";
import { TEST_QUEUE_BATCH_TIMEOUT_SECONDS } from "./test/support/queue-timing.ts";

type QueueConsumer = NonNullable<Unstable_Config["queues"]["consumers"]>[number];

// Every outbound fetch from the Worker under test (Clerk, the senders' key lists) is answered by the
// dev stand-ins in Node, routed by host name; nothing leaves the machine. The URLs are https, as
// src/config/config.ts requires of a host that is not loopback: the outbound service is handed the request
// itself, so no TLS connection is made and no certificate is needed.
export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  const githubAppKey = generateGithubAppKey();
  useGithubAppPublicKey(githubAppKey.publicKeyPem);
  // wrangler.toml's consumers, with a shorter wait for a batch to fill (test/support/queue-timing.ts). Miniflare
  // replaces a queue's consumer settings whole, so every other setting is carried over from wrangler.toml.
  const queueConsumers = Object.fromEntries(
    (unstable_readConfig({ config: "./wrangler.toml" }).queues.consumers ?? []).map((c: QueueConsumer) => [
      c.queue,
      {
        maxBatchSize: c.max_batch_size,
        maxBatchTimeout: TEST_QUEUE_BATCH_TIMEOUT_SECONDS,
        maxRetries: c.max_retries,
        deadLetterQueue: c.dead_letter_queue,
        retryDelay: c.retry_delay,
      },
    ]),
  );
  return {
    plugins: [
      cloudflareTest({
        main: "./src/index.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            CLERK_SECRET_KEY: "sk_test_autorevoke_standin",
            SEALING_KEYS: TEST_SEALING_KEYS,
            CLERK_API_URL: "https://clerk.test",
            GITHUB_KEYS_URL: "https://github.keys.test/meta/public_keys/secret_scanning",
            // Retries after ~1 s instead of ~10 s, so queue round trips fit in a test.
            RETRY_BASE_DELAY_SECONDS: "1",
            // Far above any test's load: pacing at Clerk's real budget is the pacing suite's subject
            // (vitest.pacing.config.ts), and here it would only slow the big-alert tests down.
            CLERK_RATE_LIMIT: "1000000",
            ADMIN_TOKEN: "test-admin-token-0123456789abcdef0123",
            GITLAB_KEYS_URL: "https://gitlab.keys.test/keys",
            DEPSDEV_KEYS_URL: "https://depsdev.keys.test/secret_scanning",
            INBOUND_WEBHOOK_SECRET: TEST_INBOUND_WEBHOOK_SECRET,
            NOTIFY_URL: "https://notify.test/hooks/autorevoke",
            NOTIFY_SECRET: TEST_NOTIFY_SECRET,
            GITLAB_REVOCATION_TOKEN: "test-gitlab-revocation-token-0123456789abcdef",
            // The test GitHub App: a key pair generated for this run (dev/github-app-key.ts), the stand-in's API.
            GITHUB_APP_ID: TEST_GITHUB_APP_ID,
            GITHUB_APP_PRIVATE_KEY: githubAppKey.privateKeyPem,
            GITHUB_APP_WEBHOOK_SECRET: TEST_GITHUB_WEBHOOK_SECRET,
            GITHUB_API_URL: "https://api.github.test",
          },
          outboundService,
          queueConsumers,
        },
      }),
    ],
    // Test files share the stand-ins (one Clerk, one NOTIFY_URL receiver) and the Worker's queue, so
    // they run one after another: a reset or a scripted fault in one file must not reach another.
    test: {
      fileParallelism: false,
      // The NOTIFY_URL receiver is reset before every test: no file owns it (test/support/fresh-receiver.ts).
      setupFiles: ["./test/support/fresh-receiver.ts"],
      // Files and tests in random order, every run (the seed is printed): a test that passes only after another
      // fails here instead of hiding.
      sequence: { shuffle: true },
      projects: [
        {
          extends: true,
          test: {
            name: "unit",
            include: ["src/**/*.test.ts", "dev/**/*.test.ts"],
            // The pure modules' and the stand-ins' tests keep no state in the Worker's modules, so they share one
            // module graph instead of loading it again for each of 45 files: about 2.4 s a file, ~100 s of CI.
            isolate: false,
          },
        },
        {
          extends: true,
          test: {
            name: "integration",
            include: ["test/**/*.test.ts"],
            exclude: ["test/pacing/**"],
            // Each file gets the Worker's modules fresh: its caches (the senders' public keys, say) are
            // per-isolate state that a file may set up on purpose.
          },
        },
      ],
    },
  };
});
