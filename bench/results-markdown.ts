/**
 * @module
 * bench/RESULTS.md: the machine, the tables (the distance model's among them), the plot, each miss with its reason, the observations, the
 * findings and the method. Pure: results in, Markdown out.
 */
import type { BudgetCheck } from "./budgets.ts";
import { summarizeDistance } from "./distance-summary.ts";
import { distanceIntro, distanceTable, distanceTimelineLine } from "./distance-table.ts";
import { fmt } from "./format.ts";
import { methodLines } from "./method.ts";
import { observations } from "./observations.ts";
import type { BenchResults } from "./results.ts";
import { batchTable, budgetTable, summaryTable } from "./summary-tables.ts";
import { markdownTable } from "./table-layout.ts";

/** The whole file, ending in a newline; `findings` are failures and surprises the run wrote down on the way. */
export function resultsMarkdown(res: BenchResults, checks: BudgetCheck[], findings: string[]): string {
  const m = res.machine;
  const out = [
    "# Benchmarks",
    "",
    `Written by \`npm run bench\` (bench/run.ts) on ${res.date.toISOString().replace(/\.\d+Z$/, "Z")}. ` +
      "Every measure is taken next to a baseline in the same run; compare ratios, not absolute numbers, " +
      "across machines.",
    "",
    "## Machine",
    "",
    `- CPU: ${m.cpu}, ${m.cores} cores`,
    `- Memory: ${fmt(m.memoryGiB, 1)} GiB`,
    `- OS: ${m.os}`,
    `- Node ${m.node}, wrangler ${m.wrangler}, workerd ${m.workerd}, miniflare ${m.miniflare}, autocannon ${m.autocannon}`,
    "- Load generator, stand-ins and workerd share these cores.",
    "",
    "## Results",
    "",
    markdownTable(summaryTable(res)),
    "",
    `Batches: one alert of N distinct live keys, Clerk stand-in latency ${res.latencyMs} ms per call, bound = ` +
      `N × 2 calls × ${res.latencyMs} ms / 6 connections.`,
    "",
    markdownTable(batchTable(res)),
    "",
    ...distanceSection(res),
    "![time to answer and time to revoke against live keys per alert; then, keys revoked over time at Clerk's " +
      "rate limit; then, each path's time to revoke with D1 and Clerk at a distance](latency.svg)",
    "",
    "## Budgets",
    "",
    markdownTable(budgetTable(checks, (v) => (v === "miss" ? "**MISS**" : v))),
    "",
  ];
  const misses = checks.filter((c) => c.why);
  if (misses.length > 0) {
    out.push("### Misses: why, and what would fix them", "");
    for (const c of misses) out.push(`- **${c.measure}.** ${c.why}`);
    out.push("");
  }
  const notes = observations(res);
  if (notes.length > 0) {
    out.push("### Time to revoke beyond the inline deadline", "");
    for (const n of notes) out.push(`- ${n}`);
    out.push("");
  }
  if (findings.length > 0) {
    out.push("### Other findings", "");
    for (const f of findings) out.push(`- ${f}`);
    out.push("");
  }
  out.push("## Method", "", ...methodLines(res), "");
  return out.join("\n");
}

/** The distance model's introduction, table and live-key timeline; nothing when it was not measured. */
function distanceSection(res: BenchResults): string[] {
  if (res.distance === undefined) return [];
  const d = summarizeDistance(res.distance);
  const timeline = distanceTimelineLine(d);
  return [
    distanceIntro(d),
    "",
    markdownTable(distanceTable(d)),
    "",
    ...(timeline === undefined ? [] : [timeline, ""]),
  ];
}
