import type { Context } from '@vexil/protocol';
import type { EdgeContext } from '../edge-context.js';
import type { EdgeMetrics } from '../metrics/edge-metrics.js';
import type { EnvironmentState, StateEvent, StoredItem } from '../state/environment-state.js';
import type { StreamConnection } from '../stream/stream-connection.js';
import type { StreamMember } from '../stream/stream-member.js';
import {
  deleteText,
  evaluateAll,
  evaluatedCore,
  evaluatedMapText,
  patchText,
  visibleFlag,
  type Audience,
} from './client-payload.js';
import { FlagDependencies } from './flag-dependencies.js';
import { sseEvent } from './sse.js';

// The per-context client streams `/eval` and `/meval` (docs/protocol.md
// section 4.4): a `put` of every evaluated flag on connect, then per change a `patch` for each
// flag whose result for this stream's context differs from the last one it was sent, or a
// `delete` when the flag is gone or no longer available to it.
//
// Evaluation is per connection by nature (each has its own context), and only for the flags
// the change can affect (FlagDependencies). Serialization is not: result cores are shared per
// environment version (client-payload.ts), and each distinct patch or delete message is built
// once per change and written to every stream that needs it.

export interface ClientStreamSpec {
  readonly context: Context;
  readonly audience: Audience;
  readonly withReasons: boolean;
}

interface ClientStream extends ClientStreamSpec {
  readonly environmentId: string;
  readonly connection: StreamConnection;
  /** What the client holds: flag key -> core of the result last sent. */
  sent: Map<string, string>;
}

const FORMAT = 'client-eval';

interface EnvironmentStreams {
  readonly streams: Set<ClientStream>;
  readonly dependencies: FlagDependencies;
}

export class ClientStreams {
  private readonly environments = new Map<string, EnvironmentStreams>();
  private readonly byConnection = new Map<StreamMember, ClientStream>();
  private readonly metrics: EdgeMetrics | undefined;

  constructor(ctx: EdgeContext) {
    this.metrics = ctx.metrics;
    ctx.onStateEvent((state, event) => this.onStateEvent(state, event));
    ctx.hub.onClose((connection) => this.forget(connection));
  }

  get size(): number {
    return this.byConnection.size;
  }

  /** Registers an open stream and returns its initial `put` event. */
  add(state: EnvironmentState, connection: StreamConnection, spec: ClientStreamSpec): Buffer {
    let environment = this.environments.get(state.id);
    if (environment === undefined) {
      environment = { streams: new Set(), dependencies: new FlagDependencies(state) };
      this.environments.set(state.id, environment);
    }
    const sent = evaluateAll(
      state,
      spec.context,
      spec.audience,
      spec.withReasons,
      this.metrics?.countEvaluation,
    );
    const stream: ClientStream = { ...spec, environmentId: state.id, connection, sent };
    environment.streams.add(stream);
    this.byConnection.set(connection, stream);
    return sseEvent('put', evaluatedMapText(sent, state.seq));
  }

  private forget(connection: StreamMember): void {
    const stream = this.byConnection.get(connection);
    if (stream === undefined) return;
    this.byConnection.delete(connection);
    const environment = this.environments.get(stream.environmentId);
    if (environment?.streams.delete(stream) === true && environment.streams.size === 0)
      this.environments.delete(stream.environmentId);
  }

  private onStateEvent(state: EnvironmentState, event: StateEvent): void {
    const environment = this.environments.get(state.id);
    if (environment === undefined) return;
    if (event.type === 'reset') {
      this.environments.set(state.id, {
        streams: environment.streams,
        dependencies: new FlagDependencies(state),
      });
      const count = this.metrics?.countEvaluation;
      let bytes = 0;
      for (const stream of environment.streams) {
        stream.sent = evaluateAll(
          state,
          stream.context,
          stream.audience,
          stream.withReasons,
          count,
        );
        const put = sseEvent('put', evaluatedMapText(stream.sent, state.seq));
        stream.connection.write(put);
        bytes += put.length;
      }
      this.metrics?.wrote(FORMAT, environment.streams.size, bytes);
      return;
    }
    // A payload filter changes nothing a client-side SDK is served.
    if (event.item.kind === 'filter') return;
    environment.dependencies.update(event.previous, event.item);
    this.sendChanges(state, environment.streams, environment.dependencies.affectedBy(event.item));
  }

  private sendChanges(
    state: EnvironmentState,
    streams: ReadonlySet<ClientStream>,
    affected: readonly string[],
  ): void {
    const items = affected.map((key): [string, StoredItem | undefined] => [
      key,
      state.flags.get(key),
    ]);
    // One message per distinct (flag, result) in this change, shared by every stream.
    const patches = new Map<string, Map<string, Buffer>>();
    const deletes = new Map<string, Buffer>();
    const patch = (key: string, core: string) => {
      let byCore = patches.get(key);
      if (byCore === undefined) patches.set(key, (byCore = new Map()));
      let buffer = byCore.get(core);
      if (buffer === undefined)
        byCore.set(core, (buffer = sseEvent('patch', patchText(key, core, state.seq))));
      return buffer;
    };
    const remove = (key: string) => {
      let buffer = deletes.get(key);
      if (buffer === undefined)
        deletes.set(key, (buffer = sseEvent('delete', deleteText(key, state.seq))));
      return buffer;
    };
    const count = this.metrics?.countEvaluation;
    let messages = 0;
    let bytes = 0;
    for (const stream of streams) {
      const chunks: Buffer[] = [];
      for (const [key, item] of items) {
        const flag = visibleFlag(item, stream.audience);
        const core =
          flag === undefined
            ? undefined
            : evaluatedCore(state, flag, stream.context, stream.withReasons, count);
        const previous = stream.sent.get(key);
        if (core === previous) continue;
        if (core === undefined) {
          stream.sent.delete(key);
          chunks.push(remove(key));
        } else {
          stream.sent.set(key, core);
          chunks.push(patch(key, core));
        }
      }
      if (chunks.length === 0) continue;
      const chunk = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      stream.connection.write(chunk);
      messages += chunks.length;
      bytes += chunk.length;
    }
    this.metrics?.wrote(FORMAT, messages, bytes);
  }
}
