import {
  NatsServers,
  type NatsRegion,
  type NatsRegionOptions,
  type NatsServerProcess,
} from '../processes/nats-servers.js';
import { NO_RATE_LIMITS, RoleProcess } from '../processes/role-process.js';
import { AdminApi } from './admin-api.js';
import { dropSchema, freshSchemaName, postgresStoreUrl } from './postgres-schema.js';

// The distributed deployment on one machine, all on loopback: a fresh PostgreSQL schema, a
// 3-node NATS JetStream cluster, one origin (stream replicas 3), edges fed by the bus, and a
// relay edge chained to the first edge; then a project, an environment, an edge token and
// flags created through the API. For system tests and the distributed benchmark. With `regions`,
// NATS is a supercluster instead, and edges can be started in any of its regions.

export interface TopologyOptions {
  /** Edges fed by NATS (default 3). */
  readonly edges?: number;
  /** A relay edge chained to edge 1 (default true). */
  readonly relay?: boolean;
  /** Flags created through the API, `flag-000`... (default 50). */
  readonly flags?: number;
  /** `--heartbeat` of the edges, seconds (default 1). */
  readonly heartbeatSeconds?: number;
  /** `--drain-seconds` of every role (default 1). */
  readonly drainSeconds?: number;
  /** `--log-level` of every role (default info). */
  readonly logLevel?: string;
  readonly natsNodes?: number;
  /** `--workers` of the edges; without it, the default of `vexil edge` (one per core). */
  readonly edgeWorkers?: number;
  /**
   * NATS as a supercluster of these regions (NatsServers.supercluster) instead of one cluster
   * of `natsNodes`. The origin connects to the first region only, so the streams it creates
   * live there, with as many replicas as that region has nodes; the `edges` edges are in the
   * first region too (`edge-<region>-<n>`, started with `--region <region>`).
   */
  readonly regions?: readonly NatsRegionOptions[];
  /** More flags for the origin (e.g. `--cdn-purge`). */
  readonly originArgs?: readonly string[];
  /** More flags for every edge (e.g. `--cdn-ttl`). */
  readonly edgeArgs?: readonly string[];
}

export interface Topology {
  readonly nats: NatsServers;
  /** Every NATS node, of every region. */
  readonly natsNodes: readonly NatsServerProcess[];
  /** The NATS regions, the origin's first; one (the cluster) without `regions`. */
  readonly natsRegions: readonly NatsRegion[];
  readonly origin: RoleProcess;
  readonly edges: readonly RoleProcess[];
  readonly relay: RoleProcess | undefined;
  readonly api: AdminApi;
  readonly schema: string;
  readonly projectKey: string;
  readonly environmentKey: string;
  readonly environmentId: string;
  readonly sdkKey: string;
  readonly edgeToken: string;
  readonly flagKeys: readonly string[];
  /**
   * Starts one more edge fed by NATS (stopped with the rest), with extra `vexil edge` args: by
   * the servers of `region` (default the origin's), and with `--region` when there are regions.
   */
  startEdge(id: string, extraArgs?: readonly string[], region?: string): Promise<RoleProcess>;
  /** Every role process (origin, edges, relay). */
  roles(): RoleProcess[];
  /** Kills every process, drops the schema, removes the NATS directories. Never throws. */
  stop(): Promise<void>;
}

export const flagKey = (i: number) => `flag-${String(i).padStart(3, '0')}`;

/** Runs `tasks` with at most `limit` at a time. */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function startTopology(options: TopologyOptions = {}): Promise<Topology> {
  const {
    edges: edgeCount = 3,
    relay: withRelay = true,
    flags = 50,
    heartbeatSeconds = 1,
    drainSeconds = 1,
    logLevel = 'info',
    natsNodes: natsCount = 3,
    edgeWorkers,
    regions,
  } = options;
  const nats = new NatsServers();
  const schema = freshSchemaName();
  const roles: RoleProcess[] = [];
  const stop = async () => {
    for (const role of roles) role.killNow();
    await Promise.all(roles.map((r) => r.stop('SIGKILL').catch(() => undefined)));
    await nats.stopAll().catch(() => undefined);
    await dropSchema(schema).catch(() => undefined);
  };
  try {
    const natsRegions =
      regions === undefined
        ? [{ name: 'vexil-test', nodes: await nats.cluster(natsCount) }]
        : await nats.supercluster(regions);
    const natsNodes = natsRegions.flatMap((r) => r.nodes);
    const home = natsRegions[0]!;
    const busOf = (region: string) => {
      const found = natsRegions.find((r) => r.name === region);
      if (found === undefined) throw new Error(`no NATS region ${region}`);
      return found.nodes.map((n) => n.url).join(',');
    };
    const bus = busOf(home.name);
    const common = [
      '--log-level',
      logLevel,
      '--drain-seconds',
      String(drainSeconds),
      ...NO_RATE_LIMITS,
    ];
    const adminToken = `admin-${schema}-token`;
    const origin = await RoleProcess.start({
      name: 'origin',
      args: [
        'origin',
        '--store',
        postgresStoreUrl(schema),
        '--bus',
        bus,
        '--nats-replicas',
        String(home.nodes.length),
        ...common,
        ...(options.originArgs ?? []),
      ],
      env: { VEXIL_ADMIN_TOKEN: adminToken },
    });
    roles.push(origin);
    const api = new AdminApi(() => origin.url, adminToken);
    const projectKey = 'system';
    const environmentKey = 'production';
    await api.expect(201, 'POST', '/api/v1/projects', { key: projectKey, name: 'System tests' });
    const env = await api.expect(201, 'POST', `/api/v1/projects/${projectKey}/environments`, {
      key: environmentKey,
      name: 'Production',
    });
    const edgeToken = (
      await api.expect(201, 'POST', '/api/v1/tokens', { name: 'edges', role: 'edge' })
    ).body.token as string;
    const flagKeys = Array.from({ length: flags }, (_, i) => flagKey(i));
    await inParallel(flagKeys, 8, async (key) => {
      await api.expect(201, 'POST', `/api/v1/projects/${projectKey}/flags`, {
        key,
        variations: [{ value: true }, { value: false }],
      });
    });

    const edgeArgs = (id: string) => [
      '--token',
      edgeToken,
      '--id',
      id,
      '--heartbeat',
      String(heartbeatSeconds),
      ...(edgeWorkers === undefined ? [] : ['--workers', String(edgeWorkers)]),
      ...common,
      ...(options.edgeArgs ?? []),
    ];
    const startEdge = async (id: string, extraArgs: readonly string[] = [], region = home.name) => {
      const where = regions === undefined ? [] : ['--region', region];
      const edge = await RoleProcess.start({
        name: id,
        args: [
          'edge',
          '--bus',
          busOf(region),
          '--origin',
          origin.url,
          ...where,
          ...edgeArgs(id),
          ...extraArgs,
        ],
      });
      roles.push(edge);
      return edge;
    };
    const edgeId = (i: number) =>
      regions === undefined ? `edge-${i + 1}` : `edge-${home.name}-${i + 1}`;
    const edges = await Promise.all(
      Array.from({ length: edgeCount }, (_, i) => startEdge(edgeId(i))),
    );
    await Promise.all(edges.map((e) => e.waitReady()));
    let relay: RoleProcess | undefined;
    if (withRelay && edges[0] !== undefined) {
      relay = await RoleProcess.start({
        name: 'relay',
        args: ['edge', '--upstream', edges[0].url, ...edgeArgs('relay')],
      });
      roles.push(relay);
      await relay.waitReady();
    }
    return {
      nats,
      natsNodes,
      natsRegions,
      origin,
      edges,
      relay,
      api,
      schema,
      projectKey,
      environmentKey,
      environmentId: env.body.clientSideId as string,
      sdkKey: env.body.sdkKey as string,
      edgeToken,
      flagKeys,
      startEdge,
      roles: () => [...roles],
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
