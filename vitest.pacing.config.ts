import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { outboundService, TEST_NOTIFY_SECRET, TEST_SEALING_KEYS } from "./dev/outbound.ts";

/**
 * The pacing suite: the Worker against a Clerk stand-in that enforces a rate limit, with Clerk's development budget
 * (`CLERK_RATE_LIMIT` = 100 requests per 10 s) and a give-up window short enough to reach in a test. It runs apart from
 * the main suite because those settings would slow every other test to Clerk's pace.
 */
export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
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
            // A stand-in of its own (dev/outbound.ts gives every `*.clerk.test` host one).
            CLERK_API_URL: "https://pacing.clerk.test",
            CLERK_RATE_LIMIT: "100",
            // 18 s: long enough that pacing and 429s alone would cross it if they counted, short enough to wait for.
            GIVE_UP_AFTER_HOURS: "0.005",
            GITHUB_KEYS_URL: "https://pacing.github.keys.test/meta/public_keys/secret_scanning",
            RETRY_BASE_DELAY_SECONDS: "1",
            ADMIN_TOKEN: "test-admin-token-0123456789abcdef0123",
            NOTIFY_URL: "https://pacing.notify.test/hooks/autorevoke",
            NOTIFY_SECRET: TEST_NOTIFY_SECRET,
          },
          outboundService,
        },
      }),
    ],
    test: {
      fileParallelism: false,
      // Files and tests in random order, every run (the seed is printed).
      sequence: { shuffle: true },
      include: ["test/pacing/**/*.test.ts"],
    },
  };
});
