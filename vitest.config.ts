import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { outboundService } from "./dev/outbound.ts";

// Every outbound fetch from the Worker under test (Clerk, the senders' key lists) is answered by the
// dev stand-ins in Node, routed by host name; nothing leaves the machine.
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
            CLERK_API_URL: "http://clerk.test",
            GITHUB_KEYS_URL: "http://github.keys.test/meta/public_keys/secret_scanning",
            // Retries after ~1 s instead of ~10 s, so queue round trips fit in a test.
            RETRY_BASE_DELAY_SECONDS: "1",
          },
          outboundService,
        },
      }),
    ],
    test: { include: ["src/**/*.test.ts", "test/**/*.test.ts", "dev/**/*.test.ts"] },
  };
});
