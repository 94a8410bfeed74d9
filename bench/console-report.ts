/**
 * @module
 * What the console shows at the end of a run: the three tables, then each miss with its reason, each observation
 * and each finding. Pure: results in, text out.
 */
import type { BudgetCheck } from "./budgets.ts";
import { observations } from "./observations.ts";
import type { BenchResults } from "./results.ts";
import { batchTable, budgetTable, summaryTable } from "./summary-tables.ts";
import { textTable } from "./table-layout.ts";

/** The report, ending in a newline; `findings` are failures and surprises the run wrote down on the way. */
export function consoleReport(res: BenchResults, checks: BudgetCheck[], findings: string[]): string {
  const lines = [
    "",
    textTable(summaryTable(res)),
    "",
    `Batches: one alert of N distinct live keys, Clerk latency ${res.latencyMs} ms, bound = N × 2 × ${res.latencyMs} ms / 6`,
    textTable(batchTable(res)),
    "",
    "Budgets",
    textTable(budgetTable(checks, (v) => v.toUpperCase())),
  ];
  for (const c of checks.filter((c) => c.why)) lines.push("", `MISS ${c.measure}: ${c.why}`);
  for (const n of observations(res)) lines.push("", `NOTE: ${n}`);
  for (const f of findings) lines.push("", `FINDING: ${f}`);
  return `${lines.join("\n")}\n`;
}
