import { isChangeKind, isDirectoryEntry, type Change, type DirectoryEntry } from '@vexil/protocol';

// Changes and directory entries travel as JSON (docs/protocol.md section 5), committedAt included, so
// edges can measure commit-to-apply latency.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: Change | DirectoryEntry): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

function parse(data: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(decoder.decode(data));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The change a message carries, or undefined if it is not one (written by something else). */
export function decodeChange(data: Uint8Array): Change | undefined {
  const v = parse(data);
  if (
    v === undefined ||
    typeof v['environmentId'] !== 'string' ||
    !Number.isInteger(v['seq']) ||
    !isChangeKind(v['kind']) ||
    typeof v['key'] !== 'string' ||
    typeof v['version'] !== 'number' ||
    typeof v['committedAt'] !== 'number' ||
    !('item' in v)
  )
    return undefined;
  return v as unknown as Change;
}

/** The directory entry a message carries, or undefined if it is not one. */
export function decodeDirectoryEntry(data: Uint8Array): DirectoryEntry | undefined {
  const v = parse(data);
  return isDirectoryEntry(v) ? v : undefined;
}
