/**
 * @module
 * What the console shows at the end of a run: the tables, then each miss with its reason, each observation and each
 * finding; for `--distance`, the distance model's table and budgets alone. Pure: results in, text out.
 */
import { type BudgetCheck, distanceChecks } from "./budgets.ts";
import type { DistanceResult } from "./distance.ts";
import { type DistanceSummary, summarizeDistance } from "./distance-summary.ts";
import { distanceIntro, distanceTable, distanceTimelineLine } from "./distance-table.ts";
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
    ...(res.distance === undefined ? [] : distanceLines(summarizeDistance(res.distance))),
    "",
    "Budgets",
    textTable(budgetTable(checks, (v) => v.toUpperCase())),
  ];
  for (const c of checks.filter((c) => c.why)) lines.push("", `MISS ${c.measure}: ${c.why}`);
  for (const n of observations(res)) lines.push("", `NOTE: ${n}`);
  for (const f of findings) lines.push("", `FINDING: ${f}`);
  return `${lines.join("\n")}\n`;
}

/** `--distance`: the distance model's table, its budgets and each miss's reason. */
export function distanceReport(result: DistanceResult): string {
  const summary = summarizeDistance(result);
  const checks = distanceChecks(summary);
  const lines = [
    ...distanceLines(summary),
    "",
    "Budgets",
    textTable(budgetTable(checks, (v) => v.toUpperCase())),
  ];
  for (const c of checks.filter((c) => c.why)) lines.push("", `MISS ${c.measure}: ${c.why}`);
  return `${lines.join("\n")}\n`;
}

function distanceLines(d: DistanceSummary): string[] {
  const timeline = distanceTimelineLine(d);
  return ["", distanceIntro(d), textTable(distanceTable(d)), ...(timeline === undefined ? [] : [timeline])];
}
