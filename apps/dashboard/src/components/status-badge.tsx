import type { EdgeStatus } from '../api/types.js';

const LABEL: Record<EdgeStatus, string> = {
  ok: 'OK',
  lagging: 'Lagging',
  stale: 'Stale',
  lost: 'Lost',
};

/** Status in words and colour (never colour alone). */
export function StatusBadge({ status }: { status: EdgeStatus }) {
  return <span className={`badge badge-${status}`}>{LABEL[status]}</span>;
}

export function OnOffBadge({ on }: { on: boolean }) {
  return <span className={on ? 'badge badge-on' : 'badge badge-off'}>{on ? 'On' : 'Off'}</span>;
}
