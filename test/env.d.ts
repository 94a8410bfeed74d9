// Bindings the test harness adds on top of wrangler.toml (see vitest.config.ts).
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** The test GitHub App's private key, generated for the run (dev/github-app-key.ts). */
    GITHUB_APP_PRIVATE_KEY: string;
  }
}

// Vite's `?raw` imports: a file's text, used to check committed generated files.
declare module "*?raw" {
  const text: string;
  export default text;
}
