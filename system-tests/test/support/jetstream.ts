import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { testBusNamespace, type NatsServerProcess } from '@vexil/testkit';

// What the NATS cluster itself says about Vexil's change stream: which node leads it and
// whether every replica is current. Asked over a short-lived connection to the running nodes.

/** The change stream's cluster info, or undefined while no leader answers. */
export async function changeStreamCluster(
  nodes: readonly NatsServerProcess[],
): Promise<{ leader: string; replicas: { name: string; current: boolean }[] } | undefined> {
  const servers = nodes.filter((n) => n.running).map((n) => n.url);
  if (servers.length === 0) return undefined;
  const nc = await connect({ servers, timeout: 1_000, reconnect: false }).catch(() => undefined);
  if (nc === undefined) return undefined;
  try {
    const jsm = await jetstreamManager(nc, { timeout: 1_000 });
    const info = await jsm.streams.info(`${testBusNamespace().toUpperCase()}_CHANGES`);
    const leader = info.cluster?.leader;
    if (leader === undefined || leader === '') return undefined;
    return {
      leader,
      replicas: (info.cluster?.replicas ?? []).map((r) => ({ name: r.name, current: r.current })),
    };
  } catch {
    return undefined;
  } finally {
    await nc.close().catch(() => undefined);
  }
}
