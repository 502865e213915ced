import {
  ErrorCode,
  GeneralError,
  InvalidContextError,
  OpenFeatureEventEmitter,
  ProviderFatalError,
  TargetingKeyMissingError,
  type EvaluationContext,
  type FlagValue,
  type FlagValueType,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
} from '@openfeature/web-sdk';
import { ContextSession } from './context-session.js';
import { FlagCache } from './flag-cache.js';
import { resolveOptions, type ResolvedOptions, type VexilWebProviderOptions } from './options.js';
import { Readiness } from './readiness.js';
import { resolveFlag, unavailable } from './resolution.js';
import type { StreamFailure } from './stream-failure.js';
import { webContext, type WebContextResult } from './web-context.js';

// The OpenFeature web provider: the page's flags evaluated at the edge for its context, changes
// pushed over the edge's client-side stream (docs/protocol.md section 4.4). This class is the
// wiring: it keeps one ContextSession for the current context and turns what the session
// reports into what the web SDK expects:
//
//   initialize / onContextChange  resolve when the edge's `put` arrives; with stored values for
//                                 the context, resolve from them when the edge cannot answer
//                                 (then STALE); reject on a permanent refusal or, without stored
//                                 values, after initTimeoutMs (the stream keeps trying: READY
//                                 follows when the values come)
//   patch / delete / a new put    CONFIGURATION_CHANGED with the keys whose value, variation or
//                                 reason changed
//   a dropped stream              STALE at once, the values still served; READY after the next put
//   401 / 403 / 404               ERROR with PROVIDER_FATAL: the client-side ID is unknown
//   400                           ERROR: the edge refuses this context (secure-mode hash)

interface Problem {
  readonly code: ErrorCode;
  readonly message: string;
}

export class VexilWebProvider implements Provider {
  readonly metadata = { name: 'vexil-web' } as const;
  readonly runsOn = 'client' as const;
  /** It holds one page's state (its context, its storage): the SDK binds it to one domain. */
  readonly domainScoped = true;
  readonly events = new OpenFeatureEventEmitter();

  private readonly options: ResolvedOptions;
  private readonly cache: FlagCache;
  private session: ContextSession | undefined;
  /** Why evaluations get no values, when the reason is known. */
  private problem: Problem | undefined;
  private lastFailure: string | undefined;
  private readonly readiness = new Readiness(this.events);
  private initTimer: ReturnType<typeof setTimeout> | undefined;
  private fatal: string | undefined;
  private closed = false;

  constructor(options: VexilWebProviderOptions) {
    this.options = resolveOptions(options);
    this.cache = new FlagCache(
      this.options.storage,
      this.options.clientSideId,
      this.options.logger,
    );
  }

  initialize(context?: EvaluationContext): Promise<void> {
    return this.switchTo(webContext(context ?? {}));
  }

  onContextChange(_old: EvaluationContext, next: EvaluationContext): Promise<void> | void {
    const mapped = webContext(next);
    const current = this.session?.context;
    // The same LaunchDarkly context (a new object, an attribute the mapping drops) on a live
    // stream: nothing to re-evaluate, and no RECONCILING. In any other state the SDK would take
    // a plain return for READY, so the stream is reopened and the promise says how it went.
    if (mapped.ok && current?.encoded === mapped.context.encoded && this.readiness.ready) return;
    return this.switchTo(mapped);
  }

  async onClose(): Promise<void> {
    this.closed = true;
    this.leave();
    this.problem = { code: ErrorCode.GENERAL, message: 'vexil-web: the provider is closed' };
    this.readiness.abandon(
      new GeneralError('vexil-web: the provider was closed before the edge answered'),
    );
  }

  resolveBooleanEvaluation(key: string, defaultValue: boolean): ResolutionDetails<boolean> {
    return this.resolve(key, defaultValue, 'boolean');
  }

  resolveStringEvaluation(key: string, defaultValue: string): ResolutionDetails<string> {
    return this.resolve(key, defaultValue, 'string');
  }

  resolveNumberEvaluation(key: string, defaultValue: number): ResolutionDetails<number> {
    return this.resolve(key, defaultValue, 'number');
  }

  resolveObjectEvaluation<T extends JsonValue>(key: string, defaultValue: T): ResolutionDetails<T> {
    return this.resolve(key, defaultValue, 'object');
  }

  private resolve<T extends FlagValue>(
    key: string,
    defaultValue: T,
    type: FlagValueType,
  ): ResolutionDetails<T> {
    const session = this.session;
    const flags = session?.flags;
    if (session === undefined || flags === undefined) {
      return unavailable(
        defaultValue,
        this.problem ?? {
          code: ErrorCode.PROVIDER_NOT_READY,
          message: `vexil-web: no flag values for this context yet: waiting for ${this.options.baseUrl}${this.since()}`,
        },
      );
    }
    return resolveFlag(key, flags.get(key), defaultValue, type, session.cached);
  }

  /** Closes the current context's session and its timers. */
  private leave(): void {
    this.session?.close();
    this.session = undefined;
    clearTimeout(this.initTimer);
    this.readiness.clear();
  }

  private switchTo(mapped: WebContextResult): Promise<void> {
    this.leave();
    this.lastFailure = undefined;
    if (this.closed) return Promise.reject(new GeneralError('vexil-web: the provider is closed'));
    const waiting = this.readiness.wait();
    if (this.fatal !== undefined) {
      this.readiness.failed(new ProviderFatalError(this.fatal));
      return waiting;
    }
    if (!mapped.ok) {
      const missing = mapped.errorCode === 'TARGETING_KEY_MISSING';
      this.problem = {
        code: missing ? ErrorCode.TARGETING_KEY_MISSING : ErrorCode.INVALID_CONTEXT,
        message: mapped.message,
      };
      this.readiness.failed(
        missing
          ? new TargetingKeyMissingError(mapped.message)
          : new InvalidContextError(mapped.message),
      );
      return waiting;
    }
    this.problem = undefined;
    const session: ContextSession = new ContextSession(mapped.context, this.options, this.cache, {
      live: (changed) => this.onLive(session, changed),
      changed: (keys) => {
        if (session === this.session) this.readiness.changed(keys);
      },
      failed: (failure) => this.onFailed(session, failure),
    });
    this.session = session;
    this.initTimer = setTimeout(() => this.onInitTimeout(session), this.options.initTimeoutMs);
    session.start();
    return waiting;
  }

  private onLive(session: ContextSession, changed: readonly string[]): void {
    if (session !== this.session) return;
    this.lastFailure = undefined;
    this.readiness.live(changed);
  }

  private onFailed(session: ContextSession, failure: StreamFailure): void {
    if (session !== this.session) return;
    this.lastFailure = failure.message;
    const { logger } = this.options;
    switch (failure.kind) {
      case 'unknown-id':
        logger.error({ status: failure.status }, `vexil-web: ${failure.message}`);
        session.forgetStored();
        this.fatal = failure.message;
        this.problem = { code: ErrorCode.PROVIDER_FATAL, message: failure.message };
        this.readiness.failed(new ProviderFatalError(failure.message));
        return;
      case 'rejected': {
        logger.error({ status: failure.status }, `vexil-web: ${failure.message}`);
        session.forgetStored();
        const secure = failure.code === 'SECURE_MODE_HASH';
        this.problem = {
          code: secure ? ErrorCode.GENERAL : ErrorCode.INVALID_CONTEXT,
          message: failure.message,
        };
        this.readiness.failed(
          secure ? new GeneralError(failure.message) : new InvalidContextError(failure.message),
        );
        return;
      }
      case 'transient':
        logger.warn({}, `vexil-web: ${failure.message}; retrying`);
        if (!this.readiness.waiting) this.readiness.stale(failure.message);
        else if (session.cached) this.startOffline();
    }
  }

  private onInitTimeout(session: ContextSession): void {
    if (session !== this.session || !this.readiness.waiting) return;
    if (session.cached) {
      this.startOffline();
      return;
    }
    this.readiness.failed(
      new GeneralError(
        `vexil-web: no flag values for this context: ${this.options.baseUrl} did not send them within ${this.options.initTimeoutMs} ms${this.since()}; still trying`,
      ),
    );
  }

  private startOffline(): void {
    this.readiness.offline(
      () =>
        `serving the values stored for this context until ${this.options.baseUrl} answers${this.since()}`,
    );
  }

  /** The last failure, to end a message with. */
  private since(): string {
    return this.lastFailure === undefined ? '' : ` (${this.lastFailure})`;
  }
}
