import { defineConfig } from "vitest/config";

// End-to-end tests: the real Worker under `wrangler dev`, driven from plain Node through the dev stand-ins over
// HTTP (dev/local-stack.ts), plus the unit tests of the Node-side scripts. No Cloudflare plugin here; these files
// sit outside the include list of vitest.config.ts, whose tests run inside workerd.
export default defineConfig({
  test: {
    include: ["e2e/**/*.test.ts", "scripts/**/*.test.ts"],
    environment: "node",
    // One Worker per file, and the tests of a file share its stand-ins: nothing runs in parallel.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
