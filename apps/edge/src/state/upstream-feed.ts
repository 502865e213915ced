import type { Change, DirectoryRecord, EnvironmentSnapshot, Logger } from '@vexil/protocol';
import type { FeedMessage } from '../cluster/feed.js';
import type { EdgeContext } from '../edge-context.js';
import { PropagationSamples } from '../report/propagation-samples.js';
import type { StreamHub } from '../stream/stream-hub.js';
import { traceApply } from '../tracing.js';
import type { Upstream, UpstreamSink } from '../upstream/upstream.js';
import type { ApplyResult } from './environment-state.js';
import type { Registry } from './registry.js';

/**
 * Where the upstream's data lands: directory updates (revoking streams of credentials that went),
 * snapshots and changes applied to each environment's state, the upstream's status. It evicts
 * environments (idle, or deleted), mirrors all of it to followers (a multi-process edge's
 * workers), and samples commit -> apply.
 */
export class UpstreamFeed implements UpstreamSink {
  upstreamUp = false;
  readonly propagation = new PropagationSamples();
  private everConnected = false;
  private readonly followers = new Set<(message: FeedMessage) => void>();
  private readonly attached = new Set<string>();

  constructor(
    private readonly registry: Registry,
    private readonly ctx: EdgeContext,
    private readonly hub: StreamHub,
    private readonly upstream: Upstream,
    private readonly logger: Logger,
    private readonly now: () => number,
    /** Loaded once the directory is live (their names are looked up first, for Redis keys). */
    private readonly pinned: readonly string[] = [],
  ) {
    ctx.onStateEvent((state, event) => {
      if (this.followers.size === 0) return;
      const message: FeedMessage =
        event.type === 'reset'
          ? { type: 'put', snapshot: state.snapshot() }
          : { type: 'change', change: event.change };
      this.send(message);
    });
  }

  directoryLive(): void {
    void this.registry
      .connect((key, minRevision) => this.upstream.lookup(key, minRevision))
      .then(async (revoked) => {
        this.revoke(revoked);
        for (const id of this.pinned) {
          if (!(await this.loadPinned(id)))
            this.logger.warn({ environmentId: id }, 'a pinned environment is not in the directory');
        }
      });
    this.send({ type: 'directory-live' });
  }

  directory(record: DirectoryRecord): void {
    const revoked = this.registry.apply(record);
    this.send({ type: 'directory', record });
    this.ctx.emitDirectory(record);
    if (record.key.startsWith('e.')) {
      const id = record.key.slice(2);
      if (record.entry === undefined) this.evict(id);
      else if (this.pinned.includes(id) && this.registry.state(id) === undefined)
        void this.loadPinned(id);
    }
    this.revoke(revoked);
  }

  /** Loads a pinned environment once its name is known (for Redis keys); false if unknown. */
  private async loadPinned(id: string): Promise<boolean> {
    const credential = await this.registry.resolveClientSideId(id).catch(() => undefined);
    if (credential !== undefined) this.upstream.want(id);
    return credential !== undefined;
  }

  /**
   * The primary of a multi-process edge evicted an environment. Its report of this worker's use
   * may have been a few seconds old: one that still has streams here is loaded again at once.
   */
  evicted(environmentId: string): void {
    this.evict(environmentId);
    if (this.hub.countBy().some((c) => c.environmentId === environmentId))
      this.upstream.want(environmentId);
  }

  /** Stops holding an environment: idle for long enough, or deleted. Followers drop it too. */
  evict(environmentId: string): void {
    this.upstream.drop(environmentId);
    this.registry.evict(environmentId);
    this.attached.delete(environmentId);
    this.send({ type: 'evict', environmentId });
  }

  snapshot(snapshot: EnvironmentSnapshot): void {
    this.attach(snapshot.environmentId).applySnapshot(snapshot, this.now());
  }

  change(change: Change): ApplyResult {
    // Of an environment no longer held (evicted while the change was on its way): not wanted.
    if (this.registry.state(change.environmentId) === undefined) return 'duplicate';
    const applied = this.now();
    const result = traceApply(change, () =>
      this.attach(change.environmentId).applyChange(change, applied),
    );
    if (result === 'applied') this.propagation.add(applied - change.committedAt);
    return result;
  }

  connected(up: boolean, error?: unknown): void {
    const was = this.upstreamUp;
    this.upstreamUp = up;
    this.send({ type: 'status', up });
    // Transitions only. The first connection is routine; a reconnection after an outage is news.
    if (up && !was) this.logger[this.everConnected ? 'info' : 'debug']({}, 'upstream connected');
    else if (!up && was)
      this.logger.warn({ err: error }, 'upstream unreachable; serving the last known state');
    if (up) this.everConnected = true;
  }

  /** Every environment with data now, then every message as it happens. */
  follow(listener: (message: FeedMessage) => void): () => void {
    if (this.registry.ready) listener({ type: 'directory-live' });
    for (const state of this.registry.allStates())
      if (state.ready) listener({ type: 'put', snapshot: state.snapshot() });
    listener({ type: 'status', up: this.upstreamUp });
    this.followers.add(listener);
    return () => this.followers.delete(listener);
  }

  private revoke(credentialIds: string[]): void {
    if (credentialIds.length === 0) return;
    const streams = this.hub.revoke(credentialIds);
    if (streams > 0) this.logger.info({ streams }, 'closed streams of revoked credentials');
  }

  private send(message: FeedMessage): void {
    for (const follower of this.followers) follower(message);
  }

  /** The environment's state, created on first use, with its events routed to the protocols. */
  private attach(environmentId: string) {
    const state = this.registry.stateFor(environmentId);
    if (!this.attached.has(state.id)) {
      this.attached.add(state.id);
      state.onEvent((event) => this.ctx.emit(state, event));
    }
    return state;
  }
}
