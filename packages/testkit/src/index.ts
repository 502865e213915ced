export {
  allPairs,
  DEFAULT_SIZES,
  generateDataSet,
  samplePairs,
  type DataSet,
  type DataSetSizes,
  type EvalPair,
} from './ld-data/data-set.js';
export { normalizeReason, openFeatureContextOf } from './ld-data/comparison.js';
export { generateContexts, type ContextSet } from './ld-data/contexts.js';
export { generateFlags } from './ld-data/flags.js';
export { createRandom, type Random } from './ld-data/random.js';
export { generateSegments } from './ld-data/segments.js';
export { serviceSkip, services } from './services.js';
export {
  generateCertificates,
  OPENSSL_BINARY,
  opensslSkip,
  serialNumber,
  type CertificatePair,
  type TestCertificates,
} from './certificates.js';
export {
  PostgresServer,
  postgresServerSkip,
  type PostgresServerOptions,
} from './processes/postgres-server.js';
export {
  REDIS_SERVER_BINARY,
  redisServerSkip,
  TlsRedisServer,
  type TlsRedisOptions,
} from './processes/redis-server.js';
export { until } from './until.js';
export { cutOffRequest } from './cut-off-request.js';
export { accepts, freePort } from './ports.js';
export {
  NATS_SERVER_BINARY,
  NatsServerProcess,
  NatsServers,
  natsServerSkip,
  SUPERCLUSTER_DOMAIN,
  superclusterConfig,
  type ClusterPeer,
  type NatsRegion,
  type NatsRegionOptions,
  type NatsServerOptions,
} from './processes/nats-servers.js';
export {
  NO_RATE_LIMITS,
  RoleProcess,
  testBusNamespace,
  VEXIL_MAIN,
  type RoleExit,
  type RoleLogLine,
  type RoleOptions,
} from './processes/role-process.js';
export { startVexil, type VexilServer, type VexilStartOptions } from './processes/vexil-start.js';
export { AdminApi, type ApiResult } from './distributed/admin-api.js';
export {
  createEnvironment,
  importData,
  patchFlag,
  type EnvironmentData,
  type HasAdminApi,
  type TestEnvironment,
  type TestEnvironmentOptions,
} from './distributed/test-environment.js';
export {
  Fdv1Client,
  type Fdv1ClientOptions,
  type Fdv1ClientStats,
  type HeldItem,
  type ItemKind,
  type ItemReceived,
  type Violation,
} from './distributed/fdv1-client.js';
export { dropSchema, freshSchemaName, postgresStoreUrl } from './distributed/postgres-schema.js';
export {
  fetchTransport,
  httpTransport,
  type SseResponse,
  type SseTransport,
} from './distributed/sse-transport.js';
export {
  flagKey,
  inParallel,
  startTopology,
  type Topology,
  type TopologyOptions,
} from './distributed/topology.js';
export { sample, samples, type MetricsSource } from './metric-values.js';
export { metric, parseMetrics, scrape, type Sample } from './prometheus-text.js';
export {
  deepValue,
  hostileValue,
  jsonText,
  mutated,
  nestedText,
  oddJsonText,
  oddNumber,
  oddString,
  oversizeJson,
  RawJson,
  type HostileValue,
} from './hostile.js';
export {
  answerProblems,
  encodePathText,
  printable,
  rawRequest,
  type RawRequest,
  type RawResponse,
} from './raw-request.js';
export {
  backendsVcl,
  startVarnish,
  VARNISHD_BINARY,
  varnishSkip,
  type VarnishOptions,
  type VarnishProcess,
} from './processes/varnish.js';
