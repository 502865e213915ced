import type { PatchOp } from '../api/types.js';
import { JsonText } from './json-text.js';

/** The JSON Patch a save sends, one row per operation. */
export function PatchPreview({ ops }: { ops: readonly PatchOp[] }) {
  return (
    <table className="table patch-table">
      <caption className="visually-hidden">JSON Patch operations</caption>
      <thead>
        <tr>
          <th scope="col">Operation</th>
          <th scope="col">Path</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {ops.map((op, i) => (
          <tr key={i} className={`patch-${op.op}`}>
            <td>
              <span className={`op op-${op.op}`}>{op.op}</span>
            </td>
            <td>
              <code>{op.path}</code>
            </td>
            <td>{'value' in op ? <JsonText value={op.value} /> : 'from' in op ? op.from : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
