/** Daily active vs returning users as paired bars; the numbers are also in the accessible label. */
export function UsageChart(props: { title: string; daily: { day: number; active: number; returning: number }[] }) {
  const { daily } = props;
  if (daily.length === 0) return <p className="muted">No calls in this epoch.</p>;
  const max = Math.max(1, ...daily.map((d) => d.active));
  const width = 28 * daily.length;
  const height = 80;
  const summary = daily.map((d) => `day ${d.day + 1}: ${d.active} active, ${d.returning} returning`).join("; ");
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height + 14}`} role="img" aria-label={`${props.title}. ${summary}`}>
        {daily.map((d, i) => {
          const activeH = (d.active / max) * height;
          const returningH = (d.returning / max) * height;
          return (
            <g key={d.day}>
              <rect x={i * 28 + 3} y={height - activeH} width={10} height={activeH} className="bar-active" />
              <rect x={i * 28 + 14} y={height - returningH} width={10} height={returningH} className="bar-returning" />
              <text x={i * 28 + 14} y={height + 12} textAnchor="middle" className="axis">
                {d.day + 1}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        {props.title} <span className="legend-active">■ active</span>{" "}
        <span className="legend-returning">■ returning</span>
      </figcaption>
    </figure>
  );
}
