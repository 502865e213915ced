import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { EdgeError } from '../http/respond.js';
import type { EnvironmentState, StateEvent } from '../state/environment-state.js';
import type { CloseReason } from '../stream/stream-connection.js';
import type { StreamCount } from '../stream/stream-hub.js';
import type { GroupMeter, StreamMeter } from '../stream/stream-meter.js';
import { BusLag } from './bus-lag.js';
import { EDGE_METRICS as M } from './edge-metric-catalogue.js';
import { EvaluationCounts, type CountEvaluation } from './evaluation-counts.js';
import { FanoutTimer } from './fanout-timer.js';
import { streamProtocol } from './stream-protocol.js';

export interface EdgeMetricsOptions {
  /** Distinct flag keys that get their own `flag` label in evaluation counts. */
  readonly flagLabelLimit: number;
  /** How often the upstream head is asked for, to report bus lag. */
  readonly busLagIntervalMs: number;
  /** The edge's wall clock (Unix ms): commit -> apply and snapshot ages. */
  readonly now: () => number;
  /** A monotonic clock (ms) for durations within this process; default performance.now. */
  readonly clock?: () => number;
}

/** What the gauges read at scrape time. */
export interface EdgeMetricSources {
  streamCounts(): Iterable<StreamCount>;
  payloadsInFlight(): number;
  environments(): Iterable<EnvironmentState>;
  upstreamUp(): boolean;
  /** The upstream's newest seq of an environment, when the upstream can tell (a bus). */
  readonly head?: ((environmentId: string) => Promise<number>) | undefined;
}

/**
 * The edge's Prometheus metrics (catalogue: edge-metric-catalogue.ts). Counters on the stream
 * path are bumped once per connect, close and group flush, never per connection per message;
 * gauges are read from the edge's own state when scraped.
 */
export class EdgeMetrics {
  readonly streams: StreamMeter;
  readonly countEvaluation: CountEvaluation;
  private readonly refusals: Counter<'reason'>;
  private readonly messages: Counter<'protocol'>;
  private readonly bytes: Counter<'protocol'>;
  private readonly commitToApply: Histogram;
  private readonly evictions: Counter;
  private readonly lookups: Counter<'result'>;
  private readonly fanout: FanoutTimer;
  private readonly now: () => number;
  private sources: EdgeMetricSources | undefined;
  private lag: BusLag | undefined;

  constructor(
    registry: Registry,
    private readonly options: EdgeMetricsOptions,
  ) {
    const registers = [registry];
    this.now = options.now;
    const connects = new Counter({ ...M.connects, registers });
    const disconnects = new Counter({ ...M.disconnects, registers });
    this.refusals = new Counter({ ...M.refusals, registers });
    this.messages = new Counter({ ...M.messagesSent, registers });
    this.bytes = new Counter({ ...M.bytesSent, registers });
    this.commitToApply = new Histogram({ ...M.commitToApply, registers });
    this.evictions = new Counter({ ...M.evictions, registers });
    this.lookups = new Counter({ ...M.lookups, registers });
    const fanoutDuration = new Histogram({ ...M.fanoutDuration, registers });
    const applyToWritten = new Histogram({ ...M.applyToWritten, registers });
    this.fanout = new FanoutTimer(options.clock ?? (() => performance.now()), (seconds, kind) => {
      fanoutDuration.observe(seconds);
      if (kind === 'change') applyToWritten.observe(seconds);
    });
    const groups = new Map<string, GroupMeter>();
    this.streams = {
      opened: (format) => connects.inc({ protocol: streamProtocol(format) }),
      closed: (reason: CloseReason) => disconnects.inc({ reason }),
      group: (format) => {
        let meter = groups.get(format);
        if (meter === undefined) groups.set(format, (meter = this.groupMeter(format)));
        return meter;
      },
    };
    const evaluations = new EvaluationCounts(options.flagLabelLimit);
    this.countEvaluation = evaluations.count;
    this.gauges(registers, evaluations);
  }

  /** Gives the gauges the edge's state to read; until then they report nothing. */
  bind(sources: EdgeMetricSources): void {
    this.sources = sources;
    this.lag = new BusLag(
      () => sources.environments(),
      sources.head,
      this.options.busLagIntervalMs,
    );
  }

  start(): void {
    this.lag?.start();
  }

  stop(): void {
    this.lag?.stop();
  }

  /**
   * A stream request failed with `error`. Refusals are counted by reason; a malformed request
   * (400, 413, 415) is not a refusal, and an unexpected error is logged by the edge instead.
   */
  refused(error: unknown): void {
    const reason = error instanceof EdgeError ? refusalReason(error) : undefined;
    if (reason !== undefined) this.refusals.inc({ reason });
  }

  evicted(): void {
    this.evictions.inc();
  }

  /** A directory lookup went upstream and came back (or failed). */
  looked(result: 'found' | 'not_found' | 'failed'): void {
    this.lookups.inc({ result });
  }

  /** An environment event is about to be handed to the protocols (the change was just applied). */
  beginFanout(event: StateEvent): void {
    if (event.type === 'change') {
      const seconds = (this.now() - event.change.committedAt) / 1000;
      this.commitToApply.observe(Math.max(0, seconds));
    }
    this.fanout.begin(event.type);
  }

  endFanout(): void {
    this.fanout.end();
  }

  /** Messages a protocol wrote to its streams itself (WebSocket and client streams, not groups). */
  wrote(format: string, messages: number, bytes: number): void {
    if (messages === 0) return;
    this.fanout.written();
    const protocol = streamProtocol(format);
    this.messages.inc({ protocol }, messages);
    this.bytes.inc({ protocol }, bytes);
  }

  private groupMeter(format: string): GroupMeter {
    const protocol = streamProtocol(format);
    const messages = this.messages.labels({ protocol });
    const bytes = this.bytes.labels({ protocol });
    return {
      queued: () => this.fanout.queued(),
      flushed: (count, size) => {
        if (count === 0) return;
        messages.inc(count);
        bytes.inc(size);
      },
    };
  }

  private gauges(registers: Registry[], evaluations: EvaluationCounts): void {
    const sources = () => this.sources;
    const lags = () => this.lag?.values() ?? [];
    const now = this.now;
    new Gauge({
      ...M.streams,
      registers,
      collect() {
        this.reset();
        for (const c of sources()?.streamCounts() ?? [])
          this.inc({ environment: c.environmentId, protocol: streamProtocol(c.format) }, c.streams);
      },
    });
    new Gauge({
      ...M.payloadsInFlight,
      registers,
      collect() {
        this.set(sources()?.payloadsInFlight() ?? 0);
      },
    });
    new Gauge({
      ...M.environments,
      registers,
      collect() {
        let n = 0;
        for (const _ of sources()?.environments() ?? []) n++;
        this.set(n);
      },
    });
    new Gauge({
      ...M.busLag,
      registers,
      collect() {
        this.reset();
        for (const [environment, lag] of lags()) this.set({ environment }, lag);
      },
    });
    new Gauge({
      ...M.snapshotAge,
      registers,
      collect() {
        this.reset();
        const at = now();
        for (const state of sources()?.environments() ?? [])
          if (state.ready)
            this.set({ environment: state.id }, Math.max(0, (at - state.updatedAt) / 1000));
      },
    });
    new Gauge({
      ...M.upstreamConnected,
      registers,
      collect() {
        this.set(sources()?.upstreamUp() === true ? 1 : 0);
      },
    });
    new Gauge({
      ...M.stale,
      registers,
      collect() {
        this.set(sources()?.upstreamUp() === false ? 1 : 0);
      },
    });
    new Counter({
      ...M.evaluations,
      registers,
      collect() {
        this.reset();
        for (const { flag, variation, count } of evaluations.entries())
          this.inc({ flag, variation }, count);
      },
    });
  }
}

function refusalReason(error: EdgeError): string | undefined {
  switch (error.code) {
    case 'UNAUTHORIZED':
    case 'NOT_FOUND':
      return 'auth';
    case 'NOT_READY':
      return 'not_ready';
    case 'OVERLOADED':
      return error.overload ?? 'overloaded';
    default:
      return undefined;
  }
}
