import { defineConfig } from "vitest/config";

// The console in a real browser: Chromium (by default the one `npm ci` installs, @sparticuz/chromium; see
// browser/browser.ts), through playwright-core, against the Worker under `wrangler dev`, started by
// dev/local-stack.ts. Node environment; one file, its tests in order, since they share the stacks and the browser.
export default defineConfig({
  test: {
    include: ["browser/**/*.test.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
