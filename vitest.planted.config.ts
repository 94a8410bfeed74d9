import { defineConfig, mergeConfig, type ViteUserConfig } from "vitest/config";
import mainConfig from "./vitest.config.ts";

/**
 * The planted leak: the main suite's configuration with one line of src/ patched, on the fly, to store a raw token.
 * `scripts/check-planted-leak.ts` runs a test file under it and requires the secrecy check (test/support/secrecy.ts)
 * to fail: a check that cannot fail proves nothing. `PLANTED_LEAK` picks the plant:
 * - `whole`: `tokenPrefix` returns the whole token, so it lands in `incidents.token_prefix`;
 * - `window`: it returns 12 characters from the middle of the token, so only the window search can see it.
 */
const PLANTS: Record<string, string> = {
  whole: "return token;",
  window: "return token.slice(4, 16);",
};

function plantLeak(kind: string): NonNullable<ViteUserConfig["plugins"]>[number] {
  const statement = PLANTS[kind];
  if (!statement) throw new Error(`PLANTED_LEAK must be one of ${Object.keys(PLANTS).join(", ")}`);
  return {
    name: "autorevoke:plant-leak",
    enforce: "pre",
    transform(code, id) {
      if (!id.endsWith("/src/lib/hash.ts")) return undefined;
      const signature = "export function tokenPrefix(token: string): string {";
      if (!code.includes(signature)) throw new Error("tokenPrefix moved: update vitest.planted.config.ts");
      return code.replace(signature, `${signature}\n  ${statement}`);
    },
  };
}

export default defineConfig(async (env) => {
  const base = (typeof mainConfig === "function" ? await mainConfig(env) : mainConfig) as ViteUserConfig;
  return mergeConfig(base, { plugins: [plantLeak(process.env.PLANTED_LEAK ?? "whole")] });
});
