/**
 * @module
 * How the scale pass (bench/scale.ts) is written down: its section of bench/RESULTS.md, which the full bench keeps
 * as it finds it, and bench/scale.svg, rows read per path against the log's size on log–log axes, where a flat line
 * is a path that seeks and a rising one a path that scans. Pure: results in, text out.
 */
import { sectionOf, withSection } from "./results-sections.ts";
import type { ScaleResult } from "./scale.ts";
import { COLORS, line, MARGIN, polyline, text, WIDTH } from "./svg.ts";

const START = "<!-- scale: written by `npm run bench -- --scale` -->";
const END = "<!-- /scale -->";
const MARKERS = { start: START, end: END };

/** The section for `results`, markers included. */
export function scaleSection(results: readonly ScaleResult[], table: string): string {
  const first = results[0];
  const date = new Date().toISOString().slice(0, 10);
  return [
    START,
    "## The incident log at scale (issue 24)",
    "",
    `Measured ${date} by \`npm run bench -- --scale\`: a fresh local D1 for each size, a generated year of log (70% ignored,`,
    "20% not_found, 9% revoked, 0.5% pending, 0.5% failed; two sightings and, unless ignored, eight attempts each; no",
    "sighting erased yet), every path run once through the real adapters in workerd. Rows are D1's own `meta` counters,",
    "summed over each path's statements. ![rows read per path](scale.svg)",
    "",
    table,
    first ? "" : "(no sizes measured)",
    END,
  ].join("\n");
}

/** The scale section of a RESULTS.md, or "" when it has none. */
export const scaleSectionOf = (markdown: string): string => sectionOf(markdown, MARKERS);

/** `markdown` with its scale section replaced by `section` (added at the end when it had none). */
export const withScaleSection = (markdown: string, section: string): string =>
  withSection(markdown, MARKERS, section);

const HEIGHT = 520;
const PALETTE = [
  "#1f6feb",
  "#d9480f",
  "#2b8a3e",
  "#862e9c",
  "#e67700",
  "#0b7285",
  "#c2255c",
  "#5c940d",
  "#364fc7",
];

/** Rows read per path against incidents, log–log, with the page budget (1,000) dashed. */
export function renderScaleSvg(results: readonly ScaleResult[]): string {
  const left = MARGIN.left + 10;
  const right = WIDTH - 300;
  const top = MARGIN.top;
  const bottom = HEIGHT - MARGIN.bottom;
  const sizes = results.map((r) => r.incidents);
  const minX = Math.log10(Math.min(...sizes));
  const maxX = Math.log10(Math.max(...sizes));
  const x = (incidents: number) =>
    maxX === minX
      ? (left + right) / 2
      : left + ((Math.log10(incidents) - minX) / (maxX - minX)) * (right - left);
  const maxY = 7;
  const y = (rows: number) => bottom - (Math.log10(Math.max(rows, 1)) / maxY) * (bottom - top);
  const names = [...(results[0]?.paths.map((p) => p.path) ?? []), "the whole sweep, steady"];
  const rowsOf = (r: ScaleResult, name: string) =>
    name === "the whole sweep, steady"
      ? r.steadySweep.rowsRead
      : (r.paths.find((p) => p.path === name)?.rowsRead ?? 0);
  const parts: string[] = [
    text(WIDTH / 2, 30, "Rows D1 reads per path as the incident log grows", {
      anchor: "middle",
      size: 18,
      weight: "600",
    }),
    text(
      WIDTH / 2,
      52,
      "log–log: flat is a path that seeks an index; the dashed line is the 1,000-row page budget",
      {
        anchor: "middle",
        size: 13,
        fill: COLORS.bound,
      },
    ),
  ];
  for (let e = 0; e <= maxY; e++) {
    parts.push(line(left, y(10 ** e), right, y(10 ** e), COLORS.grid, 1));
    parts.push(
      text(left - 8, y(10 ** e) + 4, (10 ** e).toLocaleString("en-US"), { anchor: "end", size: 12 }),
    );
  }
  for (const s of sizes) {
    parts.push(line(x(s), top, x(s), bottom, COLORS.grid, 1));
    parts.push(
      text(x(s), bottom + 20, `${s.toLocaleString("en-US")} incidents`, { anchor: "middle", size: 12 }),
    );
  }
  parts.push(
    polyline(
      [
        [left, y(1_000)],
        [right, y(1_000)],
      ],
      COLORS.deadline,
      "6 4",
    ),
  );
  names.forEach((name, i) => {
    const color = PALETTE[i % PALETTE.length] ?? COLORS.answer;
    parts.push(
      polyline(
        results.map((r) => [x(r.incidents), y(rowsOf(r, name))] as const),
        color,
      ),
    );
    const legendY = top + i * 17;
    parts.push(line(right + 16, legendY - 4, right + 36, legendY - 4, color, 3));
    parts.push(text(right + 42, legendY, name, { size: 11 }));
  });
  const mid = (top + bottom) / 2;
  parts.push(
    `<text x="22" y="${mid}" text-anchor="middle" font-size="13" transform="rotate(-90 22 ${mid})">rows read</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
${parts.join("\n")}
</svg>
`;
}
