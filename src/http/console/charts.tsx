/**
 * @module
 * The overview's charts, drawn on the server as SVG: no script, no library, nothing for the CSP to allow, and they
 * print. Each chart is an image with a text alternative (`role="img"`, a title and a summary), and its numbers are one
 * click away in a table, for screen readers and for copying into an incident report.
 */
import type { DayCount } from "../../domain/incident";
import { formatDay, formatDuration } from "./format";

const WIDTH = 640;
const HEIGHT = 190;
const LEFT = 40;
const BOTTOM = 26;
const TOP = 10;

/** A round axis top at or above `max`: 1, 2, 5, 10, 20, 50, ... */
export function niceMax(max: number): number {
  if (max <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

interface Bar {
  label: string;
  count: number;
}

function Bars({ bars, className, showCounts }: { bars: Bar[]; className: string; showCounts: boolean }) {
  const top = niceMax(Math.max(0, ...bars.map((b) => b.count)));
  const plotWidth = WIDTH - LEFT - 4;
  const plotHeight = HEIGHT - BOTTOM - TOP;
  const slot = plotWidth / bars.length;
  const y = (n: number) => TOP + plotHeight - (n / top) * plotHeight;
  return (
    <g>
      <line class="axis" x1={LEFT} x2={WIDTH} y1={y(0)} y2={y(0)} />
      <line class="axis" x1={LEFT} x2={WIDTH} y1={y(top)} y2={y(top)} />
      <text x={LEFT - 4} y={y(top) + 4} text-anchor="end">
        {top}
      </text>
      <text x={LEFT - 4} y={y(0) + 4} text-anchor="end">
        0
      </text>
      {bars.map((b, i) => {
        const h = y(0) - y(b.count);
        const x = LEFT + i * slot + slot * 0.15;
        return (
          <g>
            {b.count > 0 ? (
              <rect
                class={className}
                x={x.toFixed(1)}
                y={y(b.count).toFixed(1)}
                width={(slot * 0.7).toFixed(1)}
                height={h.toFixed(1)}
              />
            ) : null}
            {showCounts && b.count > 0 ? (
              <text x={(x + slot * 0.35).toFixed(1)} y={(y(b.count) - 3).toFixed(1)} text-anchor="middle">
                {b.count}
              </text>
            ) : null}
          </g>
        );
      })}
    </g>
  );
}

function Numbers({
  caption,
  head,
  rows,
}: {
  caption: string;
  head: [string, string];
  rows: [string, number][];
}) {
  return (
    <details>
      <summary>{caption}: the numbers</summary>
      <table>
        <thead>
          <tr>
            <th scope="col">{head[0]}</th>
            <th scope="col">{head[1]}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, n]) => (
            <tr>
              <td>{label}</td>
              <td>{n}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** Counts per day as a bar chart, oldest day on the left. */
export function DailyChart({
  id,
  caption,
  days,
  className,
}: {
  id: string;
  caption: string;
  days: DayCount[];
  className: "bar" | "bar2";
}) {
  const total = days.reduce((sum, d) => sum + d.count, 0);
  const first = days[0];
  const last = days.at(-1);
  const summary = `${total} in ${days.length} days${first && last ? `, ${formatDay(first.day)} to ${formatDay(last.day)}` : ""}; most in one day: ${Math.max(0, ...days.map((d) => d.count))}.`;
  return (
    <figure>
      <figcaption id={`${id}-title`}>{caption}</figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        width="100%"
      >
        <title>{caption}</title>
        <desc id={`${id}-desc`}>{summary}</desc>
        <Bars
          bars={days.map((d) => ({ label: formatDay(d.day), count: d.count }))}
          className={className}
          showCounts={false}
        />
        {first ? (
          <text x={LEFT} y={HEIGHT - 6}>
            {formatDay(first.day)}
          </text>
        ) : null}
        {last ? (
          <text x={WIDTH} y={HEIGHT - 6} text-anchor="end">
            {formatDay(last.day)}
          </text>
        ) : null}
      </svg>
      <p class="muted">{summary}</p>
      <Numbers
        caption={caption}
        head={["Day (UTC)", "Count"]}
        rows={days.map((d) => [formatDay(d.day), d.count])}
      />
    </figure>
  );
}

/**
 * A time-to-revoke bucket's label by its upper bound, `< 10 s`, or `≥ 1 d` for the open last one: short enough to sit
 * under its bar, and each bucket is everything faster than its bound that the one before did not take.
 */
export function bucketLabel(lower: number | null, upper: number | null): string {
  if (upper !== null) return `< ${formatDuration(upper)}`;
  return `≥ ${formatDuration(lower ?? 0)}`;
}

/** The time-to-revoke distribution: a histogram over roughly tenfold buckets, with p50 and p95 written out. */
export function TimeToRevokeChart({
  buckets,
  p50Ms,
  p95Ms,
  revoked,
  percentilesOf,
}: {
  buckets: { upperMs: number | null; count: number }[];
  p50Ms: number | null;
  p95Ms: number | null;
  revoked: number;
  percentilesOf: number;
}) {
  // Past PERCENTILE_SAMPLE revocations in the window, p50 and p95 are the latest ones': say so.
  const sampled = percentilesOf < revoked ? ` of the latest ${percentilesOf}` : "";
  const bars = buckets.map((b, i) => ({
    label: bucketLabel(i === 0 ? null : (buckets[i - 1]?.upperMs ?? null), b.upperMs),
    count: b.count,
  }));
  const summary =
    revoked === 0
      ? "No key revoked in the last 30 days."
      : `${revoked} keys revoked in the last 30 days; half${sampled} within ${formatDuration(p50Ms ?? 0)} (p50), 95% within ${formatDuration(p95Ms ?? 0)} (p95).`;
  const slot = (WIDTH - LEFT - 4) / bars.length;
  return (
    <figure>
      <figcaption id="ttr-title">Time from first sighting to revocation</figcaption>
      <p class="ttr">
        <strong>p50 {p50Ms === null ? "–" : formatDuration(p50Ms)}</strong> ·{" "}
        <strong>p95 {p95Ms === null ? "–" : formatDuration(p95Ms)}</strong>
        {sampled === "" ? "" : ` (the latest ${percentilesOf} of ${revoked})`}
      </p>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby="ttr-title ttr-desc" width="100%">
        <title>Time to revoke</title>
        <desc id="ttr-desc">{summary}</desc>
        <Bars bars={bars} className="bar2" showCounts={true} />
        {bars.map((b, i) => (
          <text x={(LEFT + i * slot + slot / 2).toFixed(1)} y={HEIGHT - 6} text-anchor="middle">
            {b.label}
          </text>
        ))}
      </svg>
      <p class="muted">{summary}</p>
      <Numbers
        caption="Time to revoke"
        head={["Time to revoke", "Keys"]}
        rows={bars.map((b) => [b.label, b.count])}
      />
    </figure>
  );
}
