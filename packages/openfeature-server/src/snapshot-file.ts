import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { isJsonObject, type Logger } from '@vexil/protocol';
import type { DataSnapshot } from './flag-data.js';

// The snapshot file: `{"seq", "environmentId", "flags", "segments"}`, every item as the stream
// delivered it (tombstones included). A process that starts where the edge is unreachable serves
// it; one that reaches the edge resumes from its seq and receives only the changes it missed.
// It is written to a temporary file renamed over the old one, so a crash mid-write leaves the
// previous snapshot whole, and rewritten at most once per interval however fast changes come.

/** Reads `{flags, segments}` (and `seq`, `environmentId` when present) from JSON, or says why not. */
export function dataFromJson(value: unknown): DataSnapshot | string {
  if (!isJsonObject(value)) return 'not a JSON object';
  const { flags = {}, segments = {}, seq, environmentId } = value;
  if (!isJsonObject(flags)) return '"flags" is not an object';
  if (!isJsonObject(segments)) return '"segments" is not an object';
  if (seq !== undefined && (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0))
    return '"seq" is not a sequence number';
  if (environmentId !== undefined && typeof environmentId !== 'string')
    return '"environmentId" is not a string';
  return { flags, segments, seq, environmentId };
}

/** Reads a JSON data file: the data, or undefined (logged) when it is missing or unusable. */
export async function readDataFile(
  path: string,
  what: string,
  logger: Logger,
): Promise<DataSnapshot | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing) logger.info({ path }, `no ${what} file yet`);
    else logger.warn({ err, path }, `the ${what} file could not be read`);
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    logger.warn({ err, path }, `the ${what} file is not JSON; ignoring it`);
    return undefined;
  }
  const data = dataFromJson(json);
  if (typeof data === 'string') {
    logger.warn({ path, problem: data }, `the ${what} file is not flag data; ignoring it`);
    return undefined;
  }
  return data;
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, path);
  } catch (err) {
    await unlink(temporary).catch(() => undefined);
    throw err;
  }
}

export class SnapshotWriter {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private dirty = false;
  private lastWriteAt = -Infinity;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly intervalMs: number,
    private readonly source: () => DataSnapshot,
    private readonly logger: Logger,
  ) {}

  /** Asks for a write: at once if none happened within the interval, else at its end. */
  request(): void {
    this.dirty = true;
    if (this.closed || this.timer !== undefined || this.writing !== undefined) return;
    const wait = Math.max(0, this.lastWriteAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, wait);
  }

  /** Writes what is still pending, then takes no more requests. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    if (this.dirty) await this.write();
  }

  private async write(): Promise<void> {
    this.dirty = false;
    this.writing = writeAtomically(this.path, JSON.stringify(this.source())).catch((err: unknown) =>
      this.logger.warn({ err, path: this.path }, 'the snapshot file could not be written'),
    );
    await this.writing;
    this.writing = undefined;
    this.lastWriteAt = Date.now();
    if (this.dirty) this.request();
  }
}
