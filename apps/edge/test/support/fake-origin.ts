import { createHash } from 'node:crypto';
import type { ChangeBus } from '@vexil/bus';
import {
  credentialEntryKey,
  environmentEntryKey,
  type Change,
  type ChangeKind,
  type EnvironmentSnapshot,
  type JsonObject,
} from '@vexil/protocol';
import type { SnapshotSource } from '@vexil/edge';

// Stands in for the origin in edge tests: holds environments with a gap-free seq, publishes
// changes to the bus and answers snapshots (the edge's SnapshotSource, our own narrow
// interface). Edge tests drive data through it exactly as the origin would.

export interface TestEnvironment {
  readonly id: string;
  readonly key: string;
  sdkKey: string;
  readonly mobileKey: string;
  /** A rotated-out SDK key that keeps working until its expiry (Unix ms). */
  expiringSdkKey?: { key: string; expiresAt: number };
  secureMode?: boolean;
  seq: number;
  readonly items: Map<string, { kind: ChangeKind; key: string; version: number; item: JsonObject }>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export class FakeOrigin implements SnapshotSource {
  readonly environments = new Map<string, TestEnvironment>();
  snapshotsServed = 0;
  private clock = 1_700_000_000_000;
  private rotations = 0;

  constructor(private readonly bus: ChangeBus) {}

  async addEnvironment(key: string): Promise<TestEnvironment> {
    const n = this.environments.size + 1;
    const env: TestEnvironment = {
      id: `${key}${'0'.repeat(24)}`.slice(0, 24),
      key,
      sdkKey: `sdk-test-${key}-${n}`,
      mobileKey: `mob-test-${key}-${n}`,
      seq: 0,
      items: new Map(),
    };
    this.environments.set(env.id, env);
    await this.publishEntries(env);
    return env;
  }

  /**
   * Puts the environment's directory entries, as the origin's directory sync does: credentials,
   * then the environment (with its secure-mode keys while secure mode is on), then deletes of the
   * credentials in `gone`.
   */
  private async publishEntries(env: TestEnvironment, gone: readonly string[] = []): Promise<void> {
    const environment = { id: env.id, projectKey: 'p', key: env.key, name: env.key };
    const old = env.expiringSdkKey;
    const credentials = [
      ['sdk', sha256(env.sdkKey), undefined],
      ['mobile', sha256(env.mobileKey), undefined],
      ...(old === undefined ? [] : [['sdk', sha256(old.key), old.expiresAt] as const]),
    ] as const;
    for (const [kind, hash, expiresAt] of credentials)
      await this.bus.putDirectoryEntry(credentialEntryKey(hash), {
        type: 'credential',
        kind,
        environment,
        ...(expiresAt === undefined ? {} : { expiresAt }),
      });
    await this.bus.putDirectoryEntry(environmentEntryKey(env.id), {
      type: 'environment',
      environment,
      credentials: credentials.map(([, hash]) => hash),
      ...(env.secureMode === true
        ? { secureModeKeys: [{ key: env.sdkKey }, ...(old === undefined ? [] : [{ ...old }])] }
        : {}),
    });
    for (const key of gone) await this.bus.deleteDirectoryEntry(credentialEntryKey(sha256(key)));
  }

  /** Turns client-side secure mode on or off (docs/protocol.md section 4.4). */
  async setSecureMode(env: TestEnvironment, on: boolean): Promise<void> {
    env.secureMode = on;
    await this.publishEntries(env);
  }

  /**
   * Replaces the SDK key. The old one keeps working until `oldKeyExpiresAt` when given, else it
   * goes at once (and so does an older rotated-out key).
   */
  async rotateSdkKey(env: TestEnvironment, oldKeyExpiresAt?: number): Promise<void> {
    const gone = [env.sdkKey, env.expiringSdkKey?.key].filter((k) => k !== undefined);
    const previous = env.sdkKey;
    env.sdkKey = `sdk-test-${env.key}-rotated-${++this.rotations}`;
    if (oldKeyExpiresAt === undefined) delete env.expiringSdkKey;
    else env.expiringSdkKey = { key: previous, expiresAt: oldKeyExpiresAt };
    await this.publishEntries(
      env,
      gone.filter((k) => k !== env.expiringSdkKey?.key),
    );
  }

  /** Removes the environment and its credentials from the directory. */
  async removeEnvironment(env: TestEnvironment): Promise<void> {
    this.environments.delete(env.id);
    for (const key of [env.sdkKey, env.mobileKey])
      await this.bus.deleteDirectoryEntry(credentialEntryKey(sha256(key)));
    await this.bus.deleteDirectoryEntry(environmentEntryKey(env.id));
  }

  /** An API token of the `edge` role (relay edges authenticate with it). */
  async addEdgeToken(token: string): Promise<void> {
    await this.bus.putDirectoryEntry(credentialEntryKey(sha256(token)), {
      type: 'credential',
      kind: 'edge',
    });
  }

  async revokeEdgeToken(token: string): Promise<void> {
    await this.bus.deleteDirectoryEntry(credentialEntryKey(sha256(token)));
  }

  /** Commits an item (version = previous + 1) and publishes the change. */
  async put(env: TestEnvironment, kind: ChangeKind, item: JsonObject): Promise<Change> {
    const key = item['key'] as string;
    const version = (env.items.get(`${kind}/${key}`)?.version ?? 0) + 1;
    const full = { ...item, version };
    return this.commit(env, kind, key, version, full);
  }

  async remove(env: TestEnvironment, kind: ChangeKind, key: string): Promise<Change> {
    const version = (env.items.get(`${kind}/${key}`)?.version ?? 0) + 1;
    return this.commit(env, kind, key, version, { key, version, deleted: true });
  }

  private async commit(
    env: TestEnvironment,
    kind: ChangeKind,
    key: string,
    version: number,
    item: JsonObject,
  ): Promise<Change> {
    env.seq++;
    env.items.set(`${kind}/${key}`, { kind, key, version, item });
    const change: Change = {
      environmentId: env.id,
      seq: env.seq,
      kind,
      key,
      version,
      item,
      committedAt: this.clock++,
    };
    await this.bus.publish(change);
    return change;
  }

  async snapshot(environmentId: string): Promise<EnvironmentSnapshot | undefined> {
    const env = this.environments.get(environmentId);
    if (env === undefined) return undefined;
    this.snapshotsServed++;
    return { environmentId, seq: env.seq, items: [...env.items.values()].map((i) => ({ ...i })) };
  }
}

/** A LaunchDarkly flag in the complete shape the origin publishes. */
export function ldFlag(key: string, over: JsonObject = {}): JsonObject {
  return {
    key,
    on: true,
    prerequisites: [],
    targets: [],
    contextTargets: [],
    rules: [],
    fallthrough: { variation: 0 },
    offVariation: 1,
    variations: [true, false],
    clientSideAvailability: { usingMobileKey: true, usingEnvironmentId: true },
    clientSide: true,
    salt: 'salt',
    trackEvents: false,
    trackEventsFallthrough: false,
    debugEventsUntilDate: null,
    deleted: false,
    ...over,
  };
}
