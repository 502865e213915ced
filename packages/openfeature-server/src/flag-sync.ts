import { GeneralError, ProviderFatalError } from '@openfeature/server-sdk';
import { isJsonObject, type JsonValue } from '@vexil/protocol';
import { endpoint, USER_AGENT } from './endpoint.js';
import type { FlagData } from './flag-data.js';
import type { ResolvedOptions } from './options.js';
import { dataFromJson, readDataFile, SnapshotWriter } from './snapshot-file.js';
import { VexilStream } from './vexil-stream.js';

// Keeps the provider's FlagData in step with the edge: the Vexil stream (docs/protocol.md
// section 6), the snapshot file, the bootstrap, and whether the data is current ("live").
//
// Live means the held data is what the edge has: a `put` arrived on the open connection, or the
// connection opened as a resume (`Last-Event-ID`), which an edge answers only when it can bring
// the client up to date (section 4.1: one behind that seq answers 503). A live connection that
// drops leaves the data being served from memory, no longer live, until a connection is live.

export interface SyncListener {
  /** The held data became current again after `start` settled. */
  live(): void;
  /** The live connection was lost: values are served from memory while reconnecting. */
  lost(error: Error): void;
  /** The edge refused the SDK key (or the URL) for good, after `start` settled. */
  refused(message: string): void;
  /** Flags whose evaluation may have changed (never empty). */
  changed(flagKeys: string[]): void;
}

/** How `start` ended: with current data, or with data from a snapshot file or bootstrap. */
export type StartOutcome = 'live' | 'offline';

/** A resume seq from a snapshot file is given up after this many 503s (section 4.1). */
const MAX_REFUSED_RESUMES = 3;

interface PendingStart {
  resolve(outcome: StartOutcome): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

function refusalMessage(status: number, message: string, url: URL): string {
  const said = message === '' ? '' : ` (${message})`;
  if (status === 401 || status === 403)
    return `the edge refused the SDK key with ${status}${said}: the key is wrong, or was revoked or rotated out; pass the environment's current SDK key. The provider has stopped.`;
  if (status === 404)
    return `${url.href} answered 404${said}: baseUrl must be a Vexil edge or vexil start. The provider has stopped.`;
  return `the edge answered ${status}${said}, which retrying cannot fix. The provider has stopped.`;
}

export class FlagSync {
  private stream: VexilStream | undefined;
  private writer: SnapshotWriter | undefined;
  private pending: PendingStart | undefined;
  private isLive = false;
  /** The seq in `data` came from the snapshot file: not yet confirmed by this edge. */
  private resumeFromFile = false;
  private refusedResumes = 0;
  private failuresInRow = 0;
  private lastError: Error | undefined;
  private closed = false;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly data: FlagData,
    private readonly listener: SyncListener,
  ) {}

  /**
   * Loads the snapshot file, opens the stream, and settles once the data is live ('live'), or
   * after `initTimeoutMs` with the snapshot or bootstrap data ('offline'). Rejects after the
   * timeout with no data to serve (the stream keeps trying), and at once when the key is refused.
   */
  async start(): Promise<StartOutcome> {
    const { snapshotFile, snapshotIntervalMs, logger } = this.options;
    if (snapshotFile !== undefined) {
      this.writer = new SnapshotWriter(
        snapshotFile,
        snapshotIntervalMs,
        () => this.data.snapshot(),
        logger,
      );
      const saved = await readDataFile(snapshotFile, 'snapshot', logger);
      if (saved !== undefined && !this.data.loaded) {
        this.data.replace(saved);
        this.resumeFromFile = saved.seq !== undefined;
        logger.info({ path: snapshotFile, seq: saved.seq }, 'loaded the snapshot file');
      }
    }
    if (this.closed) throw new GeneralError('the provider was closed while it started');
    const url = endpoint(this.options.baseUrl, '/vexil/v1/stream');
    return new Promise<StartOutcome>((resolve, reject) => {
      const timer = setTimeout(() => void this.timedOut(), this.options.initTimeoutMs);
      this.pending = { resolve, reject, timer };
      this.stream = new VexilStream(
        { ...this.options, url, userAgent: USER_AGENT },
        {
          resumeFrom: () => this.data.seq,
          opened: (environmentId, resumed) => this.opened(environmentId, resumed),
          event: (name, data) => this.event(name, data),
          failed: (error, status) => this.failed(error, status),
          refused: (status, message) => this.refused(refusalMessage(status, message, url)),
        },
      );
      this.stream.start();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stream?.close();
    this.settle()?.reject(new GeneralError('the provider was closed while it started'));
    await this.writer?.close();
  }

  /** Takes the pending start, if any, so that it settles once. */
  private settle(): PendingStart | undefined {
    const pending = this.pending;
    this.pending = undefined;
    if (pending !== undefined) clearTimeout(pending.timer);
    return pending;
  }

  private async timedOut(): Promise<void> {
    const { bootstrap, logger, initTimeoutMs } = this.options;
    if (!this.data.loaded && bootstrap !== undefined) {
      const data =
        typeof bootstrap === 'string'
          ? await readDataFile(bootstrap, 'bootstrap', logger)
          : dataFromJson(bootstrap);
      // The stream may have delivered while the file was read: current data wins.
      if (typeof data === 'object' && !this.data.loaded) {
        this.data.replace({ flags: data.flags, segments: data.segments });
        logger.info({}, 'started from the bootstrap data');
      }
    }
    const pending = this.settle();
    if (pending === undefined) return;
    if (this.data.loaded) {
      logger.warn(
        { err: this.lastError },
        'the edge is unreachable: serving the saved flags until it answers',
      );
      pending.resolve('offline');
      return;
    }
    const why = this.lastError === undefined ? 'no answer' : this.lastError.message;
    pending.reject(
      new GeneralError(
        `the edge at ${this.options.baseUrl.href} gave no flags within ${initTimeoutMs} ms (${why}), ` +
          'and there is no snapshotFile or bootstrap to start from; still trying in the background',
      ),
    );
  }

  private setLive(): void {
    this.failuresInRow = 0;
    this.resumeFromFile = false;
    this.refusedResumes = 0;
    if (this.isLive) return;
    this.isLive = true;
    const pending = this.settle();
    if (pending !== undefined) pending.resolve('live');
    else this.listener.live();
  }

  private opened(environmentId: string | undefined, resumed: boolean): boolean {
    const held = this.data.environmentId;
    if (resumed && held !== undefined && environmentId !== undefined && environmentId !== held) {
      // The key now opens another environment (recreated?): its seqs mean nothing here.
      this.options.logger.warn(
        { held, served: environmentId },
        'the SDK key opens another environment than the saved data: asking for all of its data',
      );
      this.data.seq = undefined;
      this.resumeFromFile = false;
      return false;
    }
    if (resumed) {
      this.options.logger.info({ since: this.data.seq }, 'resumed the stream from the seq held');
      this.setLive();
    }
    return true;
  }

  /** One stream event. A malformed one throws, which drops the connection and reconnects. */
  private event(name: string, text: string): void {
    if (name === 'put') this.put(JSON.parse(text) as JsonValue);
    else if (name === 'change') this.change(JSON.parse(text) as JsonValue);
  }

  /** The environment's full data: replaces everything held (section 6). */
  private put(message: JsonValue): void {
    const put = dataFromJson(message);
    if (typeof put === 'string') throw new Error(`malformed put event: ${put}`);
    const changed = this.data.replace(put);
    this.options.logger.info(
      { seq: put.seq, flags: this.data.flags.size, segments: this.data.segments.size },
      "received all of the environment's flags",
    );
    this.writer?.request();
    this.setLive();
    if (changed.length > 0) this.listener.changed(changed);
  }

  /** One wire Change (section 5.1), applied when its version is newer than the item held. */
  private change(message: JsonValue): void {
    if (!isJsonObject(message)) throw new Error('malformed change event: not an object');
    const { kind, key, version, seq, item } = message;
    if (
      typeof kind !== 'string' ||
      typeof key !== 'string' ||
      typeof version !== 'number' ||
      typeof seq !== 'number'
    )
      throw new Error('malformed change event: kind, key, version and seq are required');
    // Payload filters (kind `filter`, section 4.7) are for edges, never flag data.
    const changed =
      kind === 'flag' || kind === 'segment'
        ? this.data.apply(kind, key, version, item ?? null)
        : [];
    this.data.seq = Math.max(this.data.seq ?? 0, seq);
    this.writer?.request();
    if (changed.length > 0) this.listener.changed(changed);
  }

  private failed(error: Error, status: number | undefined): void {
    const { logger } = this.options;
    this.lastError = error;
    if (this.isLive) {
      this.isLive = false;
      logger.warn({ err: error }, 'lost the edge: serving the flags held in memory');
      this.listener.lost(error);
    } else if (this.failuresInRow === 0) {
      logger.warn({ err: error }, 'could not connect to the edge; retrying');
    }
    this.failuresInRow++;
    if (this.resumeFromFile && status === 503 && ++this.refusedResumes >= MAX_REFUSED_RESUMES) {
      // An edge that stays behind the saved seq may serve an environment that was reset.
      logger.warn(
        { seq: this.data.seq },
        'the edge keeps refusing to resume from the snapshot seq: asking for all of the data',
      );
      this.data.seq = undefined;
      this.resumeFromFile = false;
    }
  }

  private refused(message: string): void {
    this.options.logger.error({}, message);
    this.isLive = false;
    const pending = this.settle();
    if (pending !== undefined) pending.reject(new ProviderFatalError(message));
    else this.listener.refused(message);
  }
}
