/**
 * @module
 * CPU per alert, measured inside workerd by bench/cpu.bench.ts: runs it through vitest (vitest.bench.config.ts)
 * and reads the one `{"bench":"cpu",...}` line it prints.
 */
import path from "node:path";
import * as v from "valibot";
import { runNodeScript } from "./run-node-script.ts";

/** A smoke run takes ~5 s and a full one ~10 s; this is a hang. */
const VITEST_TIMEOUT_MS = 180_000;

const CpuLineSchema = v.object({
  bench: v.literal("cpu"),
  smoke: v.boolean(),
  verify_parse_1_ms: v.number(),
  json_parse_1_ms: v.number(),
  verify_parse_1000_ms: v.number(),
  json_parse_1000_ms: v.number(),
});
export type CpuResult = v.InferOutput<typeof CpuLineSchema>;

/**
 * Runs the workerd CPU bench. vitest is started with the Node that runs us, from its own package (not through
 * npx, whose wrapper would outlive a kill), and stopped by its pid if it hangs.
 */
export async function measureCpu(root: string, smoke: boolean): Promise<CpuResult> {
  const bin = path.join(root, "node_modules", "vitest", "vitest.mjs");
  const { code, output: text } = await runNodeScript({
    cwd: root,
    script: bin,
    args: ["run", "-c", "vitest.bench.config.ts", "--reporter=dot"],
    env: {
      BENCH_SMOKE: smoke ? "1" : "0",
      // wrangler.toml requires these secrets; the bench never uses them, and without them wrangler warns.
      CLERK_SECRET_KEY: "sk_test_bench_unused",
      SEALING_KEYS: "bench=YmVuY2gtdW51c2VkLXNlYWxpbmcta2V5LTAwMDAwMDA=",
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      NO_COLOR: "1",
    },
    timeoutMs: VITEST_TIMEOUT_MS,
  });
  if (code !== 0) throw new Error(`the workerd CPU bench failed (exit ${code}):\n${text.slice(-3000)}`);
  const line = text.split("\n").find((l) => l.trimStart().startsWith('{"bench":"cpu"'));
  if (line === undefined)
    throw new Error(`the workerd CPU bench printed no result line:\n${text.slice(-3000)}`);
  const parsed = v.safeParse(CpuLineSchema, JSON.parse(line.trim()));
  if (!parsed.success) throw new Error(`the workerd CPU bench printed an unexpected line: ${line.trim()}`);
  if (parsed.output.smoke !== smoke) {
    throw new Error(`the workerd CPU bench ran with smoke=${parsed.output.smoke}, asked for ${smoke}`);
  }
  return parsed.output;
}
