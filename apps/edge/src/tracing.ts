import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { Change } from '@vexil/protocol';

// Tracing of a flag write across processes (docs/design.md section 12): the origin puts the
// write's W3C traceparent on each change; the edge continues that trace with `edge.apply` (the
// change applied and handed to every stream group) and `edge.fanout` (until the groups flushed,
// in the setImmediate queue after theirs). Without an OpenTelemetry SDK registered, the API is a
// no-op, and changes without a trace cost one property check.

const tracer = trace.getTracer('vexil-edge');

export function traceApply<T>(change: Change, apply: () => T): T {
  if (change.trace === undefined) return apply();
  const parent = propagation.extract(ROOT_CONTEXT, { traceparent: change.trace });
  const attributes = {
    'vexil.environment_id': change.environmentId,
    'vexil.seq': change.seq,
    'vexil.item': `${change.kind}/${change.key}`,
    'vexil.version': change.version,
  };
  const span = tracer.startSpan('edge.apply', { kind: SpanKind.CONSUMER, attributes }, parent);
  const withSpan = trace.setSpan(parent, span);
  const fanout = tracer.startSpan('edge.fanout', { attributes }, withSpan);
  const result = context.with(withSpan, apply);
  span.end();
  setImmediate(() => fanout.end());
  return result;
}
