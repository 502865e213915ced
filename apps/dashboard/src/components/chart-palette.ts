// Colour-blind-safe series colours (Okabe-Ito, darkened for contrast on white); charts also
// label every series in words, so colour is never the only cue.
export const SERIES_COLORS = [
  '#0b6bcb',
  '#c2410c',
  '#047857',
  '#a21caf',
  '#b45309',
  '#0e7490',
  '#4d7c0f',
];
export const DEFAULT_COLOR = '#6b7280';

export function seriesColor(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length]!;
}
