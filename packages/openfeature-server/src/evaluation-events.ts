import { randomUUID } from 'node:crypto';
import type { JsonValue, Logger } from '@vexil/protocol';
import type { Evaluated } from './resolution.js';

// Evaluation counts for flag insights, sent as LaunchDarkly's server SDKs send them: a `summary`
// event per flush interval, `POST /bulk` with the SDK key (docs/protocol.md section 4.5). Only
// summaries, no per-evaluation `feature` or `index` events: the edge counts evaluations per flag,
// variation and minute from summaries, and contexts never leave the process.

export interface EvaluationEventsOptions {
  readonly url: URL;
  readonly sdkKey: string;
  readonly flushIntervalMs: number;
  readonly userAgent: string;
  readonly logger: Logger;
}

interface Counter {
  readonly variation: number | undefined;
  readonly version: number;
  readonly value: JsonValue;
  count: number;
}

interface FlagSummary {
  readonly default: JsonValue;
  readonly contextKinds: Set<string>;
  readonly counters: Map<string, Counter>;
}

/** Statuses after which sending again cannot succeed (the key is wrong or revoked). */
const PERMANENT = new Set([401, 403]);
const REQUEST_TIMEOUT_MS = 10_000;

export class EvaluationEvents {
  private flags = new Map<string, FlagSummary>();
  private startDate = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly sending = new Set<Promise<void>>();

  constructor(private readonly options: EvaluationEventsOptions) {}

  start(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
  }

  count(evaluated: Evaluated): void {
    if (this.stopped) return;
    if (this.flags.size === 0) this.startDate = Date.now();
    let flag = this.flags.get(evaluated.flagKey);
    if (flag === undefined) {
      flag = { default: evaluated.value, contextKinds: new Set(), counters: new Map() };
      this.flags.set(evaluated.flagKey, flag);
    }
    for (const kind of evaluated.contextKinds) flag.contextKinds.add(kind);
    const id = `${evaluated.variation ?? '-'}:${evaluated.version}`;
    const counter = flag.counters.get(id);
    if (counter !== undefined) counter.count++;
    else {
      const { variation, version, value } = evaluated;
      flag.counters.set(id, { variation, version, value, count: 1 });
    }
  }

  /** Sends what was counted since the last flush (nothing when nothing was). */
  async flush(): Promise<void> {
    if (this.flags.size === 0 || this.stopped) return;
    const features: Record<string, JsonValue> = {};
    for (const [key, flag] of this.flags) {
      features[key] = {
        default: flag.default,
        contextKinds: [...flag.contextKinds],
        counters: [...flag.counters.values()].map(({ variation, version, value, count }) =>
          variation === undefined
            ? { version, value, count }
            : { variation, version, value, count },
        ),
      };
    }
    const body = JSON.stringify([
      { kind: 'summary', startDate: this.startDate, endDate: Date.now(), features },
    ]);
    this.flags = new Map();
    const sent = this.send(body, randomUUID());
    this.sending.add(sent);
    await sent;
    this.sending.delete(sent);
  }

  /** Stops counting and sending, dropping what was counted (the key was refused). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopped = true;
    this.flags = new Map();
  }

  /** Stops the timer and sends the last counts. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    await Promise.all(this.sending);
    this.stopped = true;
  }

  /** One POST, retried once (with the same payload id, which the edge counts once). */
  private async send(body: string, payloadId: string): Promise<void> {
    const { options } = this;
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        const res = await fetch(options.url, {
          method: 'POST',
          headers: {
            authorization: options.sdkKey,
            'content-type': 'application/json',
            'user-agent': options.userAgent,
            'x-launchdarkly-event-schema': '4',
            'x-launchdarkly-payload-id': payloadId,
          },
          body,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        await res.body?.cancel();
        if (res.ok) return;
        if (PERMANENT.has(res.status)) {
          this.stopped = true;
          options.logger.error(
            { status: res.status },
            'the edge refused the SDK key for evaluation events: no more are sent',
          );
          return;
        }
        if (attempt === 2)
          options.logger.warn({ status: res.status }, 'evaluation counts were not accepted');
      } catch (err) {
        if (attempt === 2) options.logger.warn({ err }, 'evaluation counts could not be sent');
      }
    }
  }
}
