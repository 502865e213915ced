// The `protocol` label of stream metrics: the hub's wire formats (one group per environment and
// format) folded into the protocol families dashboards know.

const PROTOCOLS: Readonly<Record<string, string>> = {
  'fdv1-all': 'fdv1',
  'fdv1-flags': 'fdv1',
  fdv2: 'fdv2',
  'client-eval': 'client',
  'client-ping': 'client',
  // OFREP's change notifications are `/ping` for OFREP web providers.
  'ofrep-events': 'client',
  vexil: 'vexil',
  'vexil-ws': 'ws',
  relay: 'relay',
};

/** The protocol of a stream format; a format not listed here is its own protocol. */
export function streamProtocol(format: string): string {
  return PROTOCOLS[format] ?? format;
}
