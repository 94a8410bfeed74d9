import process from "node:process";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// CPU benchmarks inside workerd: the same runtime as the Worker, none of its bindings needed.
export default defineConfig({
  plugins: [cloudflareTest({ main: "./src/index.ts", wrangler: { configPath: "./wrangler.toml" } })],
  define: { "globalThis.__BENCH_SMOKE__": process.env.BENCH_SMOKE === "1" ? "true" : "false" },
  test: { include: ["bench/**/*.bench.ts"] },
});
