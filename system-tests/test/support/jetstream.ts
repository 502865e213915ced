import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { testBusNamespace, type NatsServerProcess } from '@vexil/testkit';

// What the NATS cluster itself says about Vexil's streams: which node leads one, which cluster
// (in a supercluster, which region) holds it, and whether every replica is current. Asked over
// a short-lived connection to the running nodes.

/** `_CHANGES` (the change stream, the default) or `_CHANGES_DIRECTORY`. */
export type StreamSuffix = '_CHANGES' | '_CHANGES_DIRECTORY';

/** A stream's cluster info, or undefined while no leader answers. */
export async function changeStreamCluster(
  nodes: readonly NatsServerProcess[],
  suffix: StreamSuffix = '_CHANGES',
): Promise<
  { leader: string; cluster: string; replicas: { name: string; current: boolean }[] } | undefined
> {
  const servers = nodes.filter((n) => n.running).map((n) => n.url);
  if (servers.length === 0) return undefined;
  const nc = await connect({ servers, timeout: 1_000, reconnect: false }).catch(() => undefined);
  if (nc === undefined) return undefined;
  try {
    const jsm = await jetstreamManager(nc, { timeout: 1_000 });
    const info = await jsm.streams.info(`${testBusNamespace().toUpperCase()}${suffix}`);
    const leader = info.cluster?.leader;
    if (leader === undefined || leader === '') return undefined;
    return {
      leader,
      cluster: info.cluster?.name ?? '',
      replicas: (info.cluster?.replicas ?? []).map((r) => ({ name: r.name, current: r.current })),
    };
  } catch {
    return undefined;
  } finally {
    await nc.close().catch(() => undefined);
  }
}
