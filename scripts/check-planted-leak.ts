/**
 * @module
 * `npm run test:planted`: proves the suite's secrecy check can fail. For each plant in vitest.planted.config.ts (a
 * raw token, or a 12-character window of one, stored by a patched copy of src/lib/hash.ts), it runs one test file of
 * the main suite and requires the run to fail with the secrecy check's message. A check that never fails is a
 * defect; this one is shown failing on every `npm test`.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import process from "node:process";

/** The file run under each plant: its alerts record Clerk-shaped tokens, so the plant reaches D1. */
const TEST_FILE = "test/github-alerts.test.ts";
const PLANTS = ["whole", "window"] as const;
/** What the secrecy check says when it finds a leak in a table (test/support/secrecy.ts). */
const EXPECTED = /secret ak_\S{3}… found in tables/;

const vitest = path.join(process.cwd(), "node_modules", "vitest", "vitest.mjs");

function run(plant: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitest, "run", "-c", "vitest.planted.config.ts", TEST_FILE], {
      env: { ...process.env, PLANTED_LEAK: plant, FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const keep = (chunk: string) => {
      output += chunk;
    };
    // Decoded per stream, so a character split across two chunks still comes out whole.
    child.stdout.setEncoding("utf8").on("data", keep);
    child.stderr.setEncoding("utf8").on("data", keep);
    child.on("error", reject);
    // "close", not "exit": the output may still be arriving when the process exits.
    child.on("close", (code) => resolve({ code, output }));
  });
}

let failures = 0;
// Both at once: each is one workerd, mostly waiting.
const runs = await Promise.all(PLANTS.map(async (plant) => ({ plant, ...(await run(plant)) })));
for (const { plant, code, output } of runs) {
  const caught = code !== 0 && EXPECTED.test(output);
  process.stdout.write(
    `planted leak "${plant}": ${caught ? "caught by the secrecy check" : "NOT CAUGHT"} (vitest exit ${code})\n`,
  );
  if (!caught) {
    failures++;
    process.stdout.write(`${output.slice(-3_000)}\n`);
  }
}
process.exit(failures === 0 ? 0 : 1);
