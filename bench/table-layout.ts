/**
 * @module
 * Tables laid out as text: aligned columns for the console, and Markdown padded the way Biome formats it, so
 * `biome check .` passes on the bench/RESULTS.md the bench writes.
 */

/** One row of cells. */
export type Row = string[];

/** A heading row and its body. */
export interface Table {
  head: Row;
  rows: Row[];
}

/** Plain-text table with aligned columns. */
export function textTable({ head, rows }: Table): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const render = (r: Row) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [render(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(render)].join("\n");
}

/** Markdown table, columns padded the way Biome formats Markdown. */
export function markdownTable({ head, rows }: Table): string {
  const escaped = [head, ...rows].map((r) => r.map((c) => c.replace(/\|/g, "\\|")));
  const widths = head.map((_, i) => Math.max(3, ...escaped.map((r) => (r[i] ?? "").length)));
  const render = (r: Row) => `| ${widths.map((w, i) => (r[i] ?? "").padEnd(w)).join(" | ")} |`;
  const [escapedHead = head, ...escapedRows] = escaped;
  return [render(escapedHead), render(widths.map((w) => "-".repeat(w))), ...escapedRows.map(render)].join(
    "\n",
  );
}
