import {
  ErrorCode,
  GeneralError,
  OpenFeatureEventEmitter,
  ProviderEvents,
  ProviderFatalError,
  type EvaluationContext,
  type FlagValue,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import { endpoint, USER_AGENT } from './endpoint.js';
import { EvaluationEvents } from './evaluation-events.js';
import { FlagData } from './flag-data.js';
import { FlagSync, type SyncListener } from './flag-sync.js';
import { resolveOptions, type ResolvedOptions, type VexilProviderOptions } from './options.js';
import { resolveFlag, type Evaluated, type FlagType } from './resolution.js';

// The OpenFeature server provider: a thin wiring of FlagSync (the data and the stream), the
// evaluator (resolution.ts) and the evaluation counts, plus the provider's status as
// OpenFeature events. The SDK keeps the status itself, from `initialize` and from these events:
//
//   initialize resolves with live data          READY (the SDK's own event)
//   initialize resolves with saved data         READY from the SDK, then STALE from here
//   initialize rejects: no data in time         ERROR (the SDK's event); READY once data arrives
//   initialize rejects: key refused             FATAL (ProviderFatalError)
//   a live connection drops                     STALE; READY once a connection is live again
//   the key is refused later                    ERROR with PROVIDER_FATAL, i.e. FATAL
//   flags change                                CONFIGURATION_CHANGED with flagsChanged

type Phase = 'idle' | 'starting' | 'ready' | 'stale' | 'error' | 'fatal' | 'closed';

export class VexilProvider implements Provider {
  readonly metadata = Object.freeze({ name: 'vexil' });
  readonly runsOn = 'server';
  readonly events = new OpenFeatureEventEmitter();
  private readonly options: ResolvedOptions;
  private readonly data = new FlagData();
  private readonly sync: FlagSync;
  private readonly evaluations: EvaluationEvents | undefined;
  private readonly counted: ((evaluated: Evaluated) => void) | undefined;
  private phase: Phase = 'idle';
  private staleNotice: NodeJS.Immediate | undefined;

  constructor(options: VexilProviderOptions) {
    this.options = resolveOptions(options);
    const listener: SyncListener = {
      live: () => this.becameLive(),
      lost: (error) => this.lostEdge(error),
      refused: (message) => this.refused(message),
      changed: (flagsChanged) => {
        // While starting, READY (from the SDK) is the news; afterwards, what changed.
        if (this.phase === 'starting' || this.phase === 'closed') return;
        this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged });
      },
    };
    this.sync = new FlagSync(this.options, this.data, listener);
    if (this.options.sendEvents) {
      this.evaluations = new EvaluationEvents({
        url: endpoint(this.options.baseUrl, '/bulk'),
        sdkKey: this.options.sdkKey,
        flushIntervalMs: this.options.flushIntervalMs,
        userAgent: USER_AGENT,
        logger: this.options.logger,
      });
      const evaluations = this.evaluations;
      this.counted = (evaluated) => evaluations.count(evaluated);
    }
  }

  /** Called by the SDK once (`setProvider`, `setProviderAndWait`). */
  async initialize(_context?: EvaluationContext): Promise<void> {
    if (this.phase !== 'idle')
      throw new GeneralError('a VexilProvider starts once; create a new one to start again');
    this.phase = 'starting';
    this.evaluations?.start();
    let outcome;
    try {
      outcome = await this.sync.start();
    } catch (e) {
      if (e instanceof ProviderFatalError) this.evaluations?.stop();
      if (this.phase === 'starting')
        this.phase = e instanceof ProviderFatalError ? 'fatal' : 'error';
      throw e;
    }
    if (this.phase !== 'starting') return;
    if (outcome === 'live') {
      this.phase = 'ready';
      return;
    }
    this.phase = 'stale';
    // The SDK marks the provider READY once this promise resolves, in a callback that runs after
    // this function returns: STALE must come after it, so it is sent on the next turn.
    this.staleNotice = setImmediate(() => {
      this.staleNotice = undefined;
      if (this.phase === 'stale') {
        this.events.emit(ProviderEvents.Stale, {
          message: 'serving saved flags: the edge has not been reached yet',
        });
      }
    });
  }

  /** Called by the SDK when the provider is replaced or OpenFeature is closed. */
  async onClose(): Promise<void> {
    this.phase = 'closed';
    clearImmediate(this.staleNotice);
    await Promise.all([this.sync.close(), this.evaluations?.close()]);
  }

  async resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    return this.resolve(flagKey, 'boolean', defaultValue, context);
  }

  async resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<string>> {
    return this.resolve(flagKey, 'string', defaultValue, context);
  }

  async resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<number>> {
    return this.resolve(flagKey, 'number', defaultValue, context);
  }

  async resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return this.resolve(flagKey, 'object', defaultValue, context);
  }

  private resolve<T extends FlagValue>(
    flagKey: string,
    type: FlagType,
    defaultValue: T,
    context: EvaluationContext,
  ): ResolutionDetails<T> {
    return resolveFlag(this.data, flagKey, type, defaultValue, context, this.counted);
  }

  private becameLive(): void {
    if (this.phase !== 'stale' && this.phase !== 'error') return;
    this.phase = 'ready';
    this.events.emit(ProviderEvents.Ready, { message: 'connected to the edge' });
  }

  private lostEdge(error: Error): void {
    if (this.phase !== 'ready') return;
    this.phase = 'stale';
    this.events.emit(ProviderEvents.Stale, {
      message: `lost the edge (${error.message}): serving the flags held in memory while reconnecting`,
    });
  }

  private refused(message: string): void {
    if (this.phase === 'closed') return;
    this.phase = 'fatal';
    this.evaluations?.stop();
    this.events.emit(ProviderEvents.Error, { message, errorCode: ErrorCode.PROVIDER_FATAL });
  }
}
