import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        main: "./src/index.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: { TEST_MIGRATIONS: migrations, CLERK_SECRET_KEY: "sk_test_autorevoke" },
        },
      }),
    ],
    test: { include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
  };
});
