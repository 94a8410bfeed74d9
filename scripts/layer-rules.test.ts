/**
 * The layer rules (.dependency-cruiser.cjs) are a check, so they must be able to fail. These tests cruise a small
 * fixture tree laid out like src/, with the project's own rules, and require each kind of forbidden import to be
 * reported and each allowed one to pass.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { cruise, type ICruiseResult, type IForbiddenRuleType } from "dependency-cruiser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const rules: { forbidden: IForbiddenRuleType[] } = createRequire(import.meta.url)(
  "../.dependency-cruiser.cjs",
);

let root: string;

/** Writes `files` (path → source) into a fresh fixture tree. */
async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(root, "tree-"));
  for (const [path, source] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), source);
  }
  return dir;
}

/** The names of the rules the tree breaks, as `rule: from → to`. */
async function violations(files: Record<string, string>): Promise<string[]> {
  const dir = await tree(files);
  const { output } = await cruise(["src"], {
    baseDir: dir,
    ruleSet: { forbidden: rules.forbidden },
    tsPreCompilationDeps: true,
    validate: true,
  });
  if (typeof output === "string") throw new Error("expected a cruise result");
  const result: ICruiseResult = output;
  return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
}

const exportOne = "export const one = 1;\n";
const typeExport =
  "export interface Store { get(): number }\nexport const createStore = () => ({ get: () => 1 });\n";

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "autorevoke-layers-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe("the layer rules", () => {
  it("let every layer import what it is allowed to", async () => {
    expect(
      await violations({
        "src/lib/result.ts": exportOne,
        "src/domain/incident.ts": 'import { one } from "../lib/result";\nexport const two = one + 1;\n',
        "src/incidents/leases.ts": `import { two } from "../domain/incident";\n${typeExport}export const x = two;\n`,
        "src/use-cases/resolve.ts":
          'import type { Store } from "../incidents/leases";\nexport const resolve = (s: Store) => s.get();\n',
        "src/http/app.ts": 'import type { Store } from "../incidents/leases";\nexport type S = Store;\n',
        "src/wiring.ts":
          'import { createStore } from "./incidents/leases";\nimport { resolve } from "./use-cases/resolve";\nexport const run = () => resolve(createStore());\n',
        "src/index.ts": 'import { run } from "./wiring";\nimport "./http/app";\nexport default run;\n',
      }),
    ).toEqual([]);
  });

  it("refuse an upward import", async () => {
    expect(
      await violations({
        "src/wiring.ts": exportOne,
        "src/domain/incident.ts": 'import { one } from "../wiring";\nexport const two = one;\n',
      }),
    ).toEqual(["domain-is-pure: src/domain/incident.ts → src/wiring.ts"]);
  });

  it("refuse a use case that builds its own adapter, but not one that names its type", async () => {
    expect(
      await violations({
        "src/incidents/leases.ts": typeExport,
        "src/use-cases/sweep.ts":
          'import { createStore } from "../incidents/leases";\nexport const s = createStore();\n',
        "src/use-cases/resolve.ts":
          'import type { Store } from "../incidents/leases";\nexport type S = Store;\n',
      }),
    ).toEqual(["use-cases-never-build-adapters: src/use-cases/sweep.ts → src/incidents/leases.ts"]);
  });

  it("refuse one adapter calling another", async () => {
    expect(
      await violations({
        "src/clerk/client.ts": exportOne,
        "src/incidents/leases.ts": 'import { one } from "../clerk/client";\nexport const two = one;\n',
      }),
    ).toEqual(["incidents-apart: src/incidents/leases.ts → src/clerk/client.ts"]);
  });

  it("refuse src/ importing the stand-ins or test support", async () => {
    expect(
      await violations({
        "dev/signer.ts": exportOne,
        "src/lib/sign.ts": 'import { one } from "../../dev/signer";\nexport const two = one;\n',
      }),
    ).toContain("src-stands-alone: src/lib/sign.ts → dev/signer.ts");
  });

  it("refuse an import cycle", async () => {
    const found = await violations({
      "src/use-cases/a.ts": 'import { b } from "./b";\nexport const a = () => b();\n',
      "src/use-cases/b.ts": 'import { a } from "./a";\nexport const b = (): unknown => a;\n',
    });
    expect(found.filter((v) => v.startsWith("no-cycles:"))).not.toEqual([]);
  });

  it("let a test import whatever it tests", async () => {
    expect(
      await violations({
        "dev/signer.ts": exportOne,
        "src/wiring.ts": exportOne,
        "src/domain/incident.test.ts":
          'import { one } from "../../dev/signer";\nimport "../wiring";\nexport { one };\n',
      }),
    ).toEqual([]);
  });
});
