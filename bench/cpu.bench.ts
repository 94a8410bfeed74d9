/**
 * CPU per alert inside the Workers runtime (workerd, through the vitest plugin): signature check and
 * parsing of a 1-match and a 1,000-match alert, each side by side with a baseline that only decodes
 * and JSON-parses the same bytes. Prints one JSON line that bench/run.ts reads.
 */
import { it } from "vitest";
import { generateSigningKey, signAlertBody } from "../dev/signer";
import { parseAlertBody } from "../src/domain/alert-body";
import { consoleLogger } from "../src/lib/log";
import { verifyAlert } from "../src/senders/alert-verifier";
import { createEcdsaAlertVerifier } from "../src/senders/ecdsa-alert-verifier";
import { createKeyCache } from "../src/senders/key-cache";
import { report } from "../test/support/console";

// Replaced at build time by vitest.bench.config.ts's `define` (process.env does not reach workerd). The value is
// echoed in the result line, so bench/run.ts notices if the switch ever stops reaching the test.
const SMOKE = (globalThis as { __BENCH_SMOKE__?: boolean }).__BENCH_SMOKE__ === true;

function body(matches: number): string {
  return JSON.stringify(
    Array.from({ length: matches }, (_, i) => ({
      token: `ghp_notclerk${i}_0123456789abcdefghijklmnopqrstuvwxyz`,
      type: "github_token",
      url: `https://github.com/octo/repo/blob/main/src/file${i}.ts`,
      source: "content",
    })),
  );
}

async function timePerOp(iterations: number, op: () => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < Math.min(20, iterations); i++) await op();
  const started = performance.now();
  for (let i = 0; i < iterations; i++) await op();
  return (performance.now() - started) / iterations;
}

it("measures signature + parse CPU per alert", async () => {
  const key = await generateSigningKey();
  const list = JSON.stringify({
    public_keys: [{ key_identifier: key.keyIdentifier, key: key.publicKeyPem, is_current: true }],
  });
  const keys = createKeyCache({
    url: "http://keys.bench/",
    fetch: async () => new Response(list, { headers: { "content-type": "application/json" } }),
    now: Date.now,
    log: consoleLogger,
  });
  const verifier = createEcdsaAlertVerifier({
    keys,
    identifierHeader: "Github-Public-Key-Identifier",
    signatureHeader: "Github-Public-Key-Signature",
  });
  const verify = (headers: Headers, body: ArrayBuffer) => verifyAlert(verifier, headers, body);
  const decoder = new TextDecoder();
  const results: Record<string, number> = {};
  for (const [matches, iterations] of [
    [1, SMOKE ? 50 : 2_000],
    [1_000, SMOKE ? 3 : 50],
  ] as const) {
    const text = body(matches);
    const bytes = new TextEncoder().encode(text).buffer as ArrayBuffer;
    const headers = new Headers({
      "Github-Public-Key-Identifier": key.keyIdentifier,
      "Github-Public-Key-Signature": await signAlertBody(key.privateKey, text),
    });
    const check = await verify(headers, bytes);
    if (!check.ok || !parseAlertBody(bytes).ok) throw new Error("bench alert does not verify");
    // Interleave the measure and its baseline so a noisy neighbour hits both alike.
    const ours: number[] = [];
    const baseline: number[] = [];
    for (let round = 0; round < 3; round++) {
      ours.push(
        await timePerOp(iterations, async () => {
          await verify(headers, bytes);
          parseAlertBody(bytes);
        }),
      );
      baseline.push(await timePerOp(iterations, () => JSON.parse(decoder.decode(bytes))));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] as number;
    results[`verify_parse_${matches}_ms`] = median(ours);
    results[`json_parse_${matches}_ms`] = median(baseline);
  }
  report({ bench: "cpu", smoke: SMOKE, ...results });
});
