import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

// OpenTelemetry tracing, off unless an OTLP endpoint is configured with the standard variables
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; the exporter reads the
// rest of OTEL_EXPORTER_OTLP_*). Libraries only use @opentelemetry/api, a no-op until this
// registers a provider. The SDK is loaded only then: it costs ~70 ms at every process start.

let provider: NodeTracerProvider | undefined;

export async function setupTracing(
  role: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (endpoint === undefined || endpoint === '' || provider !== undefined) return;
  const [{ OTLPTraceExporter }, { resourceFromAttributes }, { BatchSpanProcessor }, sdk, conv] =
    await Promise.all([
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/semantic-conventions'),
    ]);
  const { ATTR_SERVICE_NAME } = conv;
  provider = new sdk.NodeTracerProvider({
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
