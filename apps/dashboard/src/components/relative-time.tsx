/** "5 min ago", with the exact time in a tooltip and for screen readers. */
export function RelativeTime({ at, now = Date.now() }: { at: number; now?: number }) {
  const date = new Date(at);
  return (
    <time dateTime={date.toISOString()} title={date.toLocaleString()}>
      {relative(now - at)}
    </time>
  );
}

export function relative(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

export function formatTime(at: number): string {
  return new Date(at).toLocaleString();
}
