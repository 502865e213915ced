// A small SVG line chart for the scale plots (docs/scale.md, BENCHMARKS.md): log or linear x,
// linear y, a legend, optional horizontal reference lines. Plain SVG 1.1, no script, no fonts
// beyond the viewer's sans-serif.

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** Draw points only (a measurement), not a line. */
  readonly dots?: boolean;
}

export interface Chart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly logX?: boolean;
  readonly yMax?: number;
  readonly rules?: readonly { readonly y: number; readonly label: string }[];
}

const WIDTH = 720;
const HEIGHT = 400;
const PAD = { left: 70, right: 20, top: 40, bottom: 100 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) =>
  Math.abs(v) >= 1e6 ? `${v / 1e6}M` : Math.abs(v) >= 1e3 ? `${v / 1e3}k` : `${+v.toPrecision(3)}`;

function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); 10 ** e <= max; e++)
      if (10 ** e >= min) out.push(10 ** e);
    return out;
  }
  const step = 10 ** Math.floor(Math.log10(max / 5 || 1));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => max / s <= 6) ?? step * 10;
  return Array.from({ length: Math.floor(max / nice) + 1 }, (_, i) => i * nice);
}

export function lineChart(chart: Chart): string {
  const all = chart.series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const yMax =
    chart.yMax ?? Math.max(...all.map((p) => p[1]), ...(chart.rules ?? []).map((r) => r.y)) * 1.1;
  const w = WIDTH - PAD.left - PAD.right;
  const h = HEIGHT - PAD.top - PAD.bottom;
  const tx = (x: number) =>
    PAD.left +
    (chart.logX
      ? ((Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin) || 1)) * w
      : ((x - xMin) / (xMax - xMin || 1)) * w);
  const ty = (y: number) => PAD.top + h - (Math.min(y, yMax) / yMax) * h;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15">${esc(chart.title)}</text>`,
  ];
  for (const y of ticks(0, yMax, false)) {
    out.push(
      `<line x1="${PAD.left}" x2="${PAD.left + w}" y1="${ty(y)}" y2="${ty(y)}" stroke="#ddd"/>`,
      `<text x="${PAD.left - 6}" y="${ty(y) + 4}" text-anchor="end">${fmt(y)}</text>`,
    );
  }
  for (const x of ticks(xMin, xMax, chart.logX === true)) {
    out.push(
      `<line x1="${tx(x)}" x2="${tx(x)}" y1="${PAD.top}" y2="${PAD.top + h}" stroke="#eee"/>`,
      `<text x="${tx(x)}" y="${PAD.top + h + 16}" text-anchor="middle">${fmt(x)}</text>`,
    );
  }
  out.push(
    `<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + h}" stroke="black"/>`,
    `<line x1="${PAD.left}" x2="${PAD.left + w}" y1="${PAD.top + h}" y2="${PAD.top + h}" stroke="black"/>`,
    `<text x="${PAD.left + w / 2}" y="${PAD.top + h + 36}" text-anchor="middle">${esc(chart.xLabel)}</text>`,
    `<text transform="translate(16 ${PAD.top + h / 2}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}</text>`,
  );
  for (const rule of chart.rules ?? []) {
    out.push(
      `<line x1="${PAD.left}" x2="${PAD.left + w}" y1="${ty(rule.y)}" y2="${ty(rule.y)}" stroke="black" stroke-dasharray="6 4"/>`,
      `<text x="${PAD.left + w - 4}" y="${ty(rule.y) - 4}" text-anchor="end">${esc(rule.label)}</text>`,
    );
  }
  chart.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const pts = s.points.map(([x, y]) => `${tx(x).toFixed(1)},${ty(y).toFixed(1)}`);
    if (s.dots === true)
      for (const p of pts) {
        const [cx, cy] = p.split(',');
        out.push(`<circle cx="${cx}" cy="${cy}" r="4" fill="${colour}"/>`);
      }
    else
      out.push(
        `<polyline points="${pts.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`,
      );
    const lx = PAD.left + (i % 2) * 320;
    const ly = HEIGHT - 44 + Math.floor(i / 2) * 16;
    out.push(
      `<rect x="${lx}" y="${ly - 9}" width="12" height="10" fill="${colour}"/>`,
      `<text x="${lx + 16}" y="${ly}">${esc(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
