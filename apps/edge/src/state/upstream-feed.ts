import type { Change, Directory, EnvironmentSnapshot, Logger } from '@vexil/protocol';
import type { FeedMessage } from '../cluster/feed.js';
import type { EdgeOptions } from '../config.js';
import type { EdgeContext } from '../edge-context.js';
import { PropagationSamples } from '../report/propagation-samples.js';
import type { StreamHub } from '../stream/stream-hub.js';
import { traceApply } from '../tracing.js';
import type { Upstream, UpstreamSink } from '../upstream/upstream.js';
import type { ApplyResult } from './environment-state.js';
import type { Registry } from './registry.js';

/**
 * Where the upstream's data lands: the directory (revoking streams of credentials that left it),
 * snapshots and changes applied to each environment's state, the upstream's status. It also
 * mirrors all of that to followers (a multi-process edge's workers) and samples commit -> apply.
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
    private readonly options: EdgeOptions,
    private readonly logger: Logger,
    private readonly now: () => number,
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

  directory(directory: Directory): void {
    const revoked = this.registry.applyDirectory(directory);
    const current = this.registry.directory!;
    this.ctx.emitDirectory(current);
    this.send({ type: 'directory', directory: current });
    if (revoked.length > 0) {
      this.logger.info(
        { streams: this.hub.revoke(revoked) },
        'closed streams of revoked credentials',
      );
    }
    const known = new Set(directory.environments.map((e) => e.id));
    for (const id of this.attached) {
      if (known.has(id)) continue;
      this.attached.delete(id);
      this.upstream.drop(id);
      this.hub.closeWhere((c) => c.credentialId === id, 'revoked');
    }
    if (this.options.eagerEnvironments)
      for (const env of directory.environments) this.upstream.want(env.id);
  }

  snapshot(snapshot: EnvironmentSnapshot): void {
    this.attach(snapshot.environmentId).applySnapshot(snapshot, this.now());
  }

  change(change: Change): ApplyResult {
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

  /** The directory and every environment with data now, then every message as it happens. */
  follow(listener: (message: FeedMessage) => void): () => void {
    if (this.registry.directory !== undefined)
      listener({ type: 'directory', directory: this.registry.directory });
    for (const state of this.registry.allStates())
      if (state.ready) listener({ type: 'put', snapshot: state.snapshot() });
    listener({ type: 'status', up: this.upstreamUp });
    this.followers.add(listener);
    return () => this.followers.delete(listener);
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
