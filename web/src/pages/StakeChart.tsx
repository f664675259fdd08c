import { formatTokenShort } from "../lib/format";
import type { StakePoint } from "../lib/stake-history";

function date(time: bigint): string {
  return new Date(Number(time) * 1000).toISOString().slice(0, 16).replace("T", " ");
}

/**
 * A dataset's total stake over time as a step line up to `now` (chain time); every change is also
 * in the accessible label, in token units.
 */
export function StakeChart(props: { title: string; points: StakePoint[]; now: bigint | null }) {
  const { points } = props;
  if (points.length === 0) return <p className="muted">Nobody has staked on this dataset yet.</p>;
  const start = points[0]!.time;
  const end = props.now !== null && props.now > points.at(-1)!.time ? props.now : points.at(-1)!.time + 1n;
  const span = Number(end - start) || 1;
  const max = points.reduce((m, p) => (p.total > m ? p.total : m), 1n);
  const width = 200;
  const height = 60;
  const x = (t: bigint) => (Number(t - start) / span) * width;
  const y = (total: bigint) => height - Number((total * 1000n) / max) * (height / 1000);
  let path = `M 0 ${height}`;
  for (const p of points) path += ` H ${x(p.time).toFixed(1)} V ${y(p.total).toFixed(1)}`;
  path += ` H ${width}`;
  const summary = points.map((p) => `${date(p.time)} UTC: ${formatTokenShort(p.total)}`).join("; ");
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height + 2}`} role="img" aria-label={`${props.title}. ${summary}`}>
        <path d={path} className="stake-line" fill="none" />
      </svg>
      <figcaption>
        {props.title}: {formatTokenShort(points.at(-1)!.total)} now, since {date(start)} UTC
      </figcaption>
    </figure>
  );
}
