import type { StackedSeries } from '../model/chart-scale.js';
import { niceTicks } from '../model/chart-scale.js';
import { DEFAULT_COLOR, seriesColor } from './chart-palette.js';

interface StackedBarChartProps {
  data: StackedSeries;
  /** The name of each band's label ("0" -> "true (variation 0)"). */
  nameOf(label: string): string;
  label: string;
  formatX(start: number): string;
}

const W = 640;
const H = 240;
const PAD = { left: 52, right: 12, top: 12, bottom: 28 };

export function bandColor(label: string, index: number): string {
  return label === 'default' ? DEFAULT_COLOR : seriesColor(index);
}

/** Evaluation counts per bucket, one stacked colour per variation, drawn as SVG. */
export function StackedBarChart({ data, nameOf, label, formatX }: StackedBarChartProps) {
  const ticks = niceTicks(data.max);
  const top = ticks[ticks.length - 1]!;
  const n = data.starts.length;
  const slot = (W - PAD.left - PAD.right) / Math.max(1, n);
  const barWidth = Math.max(1, slot * 0.8);
  const y = (v: number) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
  const labelEvery = Math.max(1, Math.ceil(n / 6));
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
        {ticks.map((t) => (
          <g key={t}>
            <line className="chart-grid" x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text className="chart-tick" x={PAD.left - 6} y={y(t) + 4} textAnchor="end">
              {t.toLocaleString()}
            </text>
          </g>
        ))}
        {data.starts.map((start, i) => {
          let base = 0;
          const x = PAD.left + i * slot + (slot - barWidth) / 2;
          return (
            <g key={start}>
              {data.bands.map((band, b) => {
                const count = band.counts[i]!;
                if (count === 0) return null;
                const rect = (
                  <rect
                    key={band.label}
                    x={x}
                    y={y(base + count)}
                    width={barWidth}
                    height={y(base) - y(base + count)}
                    fill={bandColor(band.label, b)}
                  >
                    <title>{`${formatX(start)}: ${nameOf(band.label)} ${count}`}</title>
                  </rect>
                );
                base += count;
                return rect;
              })}
              {i % labelEvery === 0 && (
                <text className="chart-tick" x={x + barWidth / 2} y={H - 8} textAnchor="middle">
                  {formatX(start)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        {data.bands.map((band, b) => (
          <span key={band.label} className="legend-item">
            <span
              className="swatch swatch-fill"
              style={{ background: bandColor(band.label, b) }}
              aria-hidden="true"
            />
            {nameOf(band.label)}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
