import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

// OpenTelemetry tracing, off unless an OTLP endpoint is configured with the standard variables
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; the exporter reads the
// rest of OTEL_EXPORTER_OTLP_*). Libraries only use @opentelemetry/api, a no-op until this
// registers a provider.

let provider: NodeTracerProvider | undefined;

export function setupTracing(
  role: string,
  env: Readonly<Record<string, string | undefined>>,
): void {
  const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (endpoint === undefined || endpoint === '' || provider !== undefined) return;
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env['OTEL_SERVICE_NAME'] ?? `vexil-${role}`,
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
}

/** Sends the spans still buffered; call before the process exits. */
export async function flushTracing(): Promise<void> {
  await provider?.shutdown().catch(() => undefined);
}
