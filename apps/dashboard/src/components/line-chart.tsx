import { niceTicks, timeAxisLabels } from '../model/chart-scale.js';
import { seriesColor } from './chart-palette.js';

export interface LineSeries {
  readonly name: string;
  readonly points: readonly { x: number; y: number }[];
  readonly dashed?: boolean;
  readonly color?: string;
}

interface LineChartProps {
  series: readonly LineSeries[];
  /** What the chart shows, for screen readers. */
  label: string;
  unit: string;
  formatX(x: number): string;
}

const W = 640;
const H = 220;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };

/** A time series chart drawn as SVG (no charting library, nothing loaded from elsewhere). */
export function LineChart({ series, label, unit, formatX }: LineChartProps) {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return <p className="chart-empty">No data yet.</p>;
  const xs = all.map((p) => p.x);
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs);
  const ticks = niceTicks(Math.max(...all.map((p) => p.y)));
  const top = ticks[ticks.length - 1]!;
  const x = (v: number) =>
    PAD.left + (maxX === minX ? 0.5 : (v - minX) / (maxX - minX)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
        {ticks.map((t) => (
          <g key={t}>
            <line className="chart-grid" x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text className="chart-tick" x={PAD.left - 6} y={y(t) + 4} textAnchor="end">
              {t} {unit}
            </text>
          </g>
        ))}
        {timeAxisLabels(minX, maxX).map((label) => (
          <text
            key={label.position}
            className="chart-tick"
            x={PAD.left + label.position * (W - PAD.left - PAD.right)}
            y={H - 8}
            textAnchor={label.anchor}
          >
            {formatX(label.value)}
          </text>
        ))}
        {series.map((s, i) => (
          <g key={s.name}>
            <polyline
              fill="none"
              stroke={s.color ?? seriesColor(i)}
              strokeWidth={2}
              strokeDasharray={s.dashed === true ? '6 4' : undefined}
              points={s.points.map((p) => `${x(p.x)},${y(p.y)}`).join(' ')}
            />
            {s.points.length === 1 && (
              <circle
                cx={x(s.points[0]!.x)}
                cy={y(s.points[0]!.y)}
                r={3}
                fill={s.color ?? seriesColor(i)}
              />
            )}
          </g>
        ))}
      </svg>
      <figcaption className="legend">
        {series.map((s, i) => (
          <span key={s.name} className="legend-item">
            <span
              className={s.dashed === true ? 'swatch swatch-dashed' : 'swatch'}
              style={{ borderColor: s.color ?? seriesColor(i) }}
              aria-hidden="true"
            />
            {s.name}
          </span>
        ))}
      </figcaption>
      <details className="chart-data">
        <summary>Data as a table</summary>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Series</th>
              <th scope="col">Time</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {series.flatMap((s) =>
              s.points.map((p) => (
                <tr key={`${s.name}:${p.x}`}>
                  <td>{s.name}</td>
                  <td>{formatX(p.x)}</td>
                  <td>
                    {p.y} {unit}
                  </td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
