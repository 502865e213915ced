import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { boolFlag, expectStatus, seedProject, type SeededProject } from './support/fixtures.js';
import { startApiServer, type ApiServer } from './support/api-server.js';

// Edges report themselves with an edge token; the network view shows each with its lag per
// environment and marks an edge that stopped reporting as lost.

describe('network view', () => {
  let api: ApiServer;
  let clock = 1_800_000_000_000;
  let project: SeededProject;
  let edgeToken = '';

  const report = (id: string, seqOf: (envId: string) => number) => ({
    id,
    region: 'eu-west',
    version: '1.2.3',
    startedAt: clock - 60_000,
    reportedAt: 0,
    upstream: 'bus',
    upstreamConnected: true,
    stale: false,
    streams: 5,
    environments: Object.values(project.envs).map((e) => ({
      id: e.id,
      seq: seqOf(e.id),
      ready: true,
      streams: { 'fdv1-all': 5 },
    })),
    propagation: { samples: 10, p50: 3, p99: 9, max: 12 },
  });

  before(async () => {
    api = await startApiServer(undefined, { now: () => clock });
    project = await seedProject(api);
    expectStatus(await api.call('POST', '/api/v1/projects/p/flags', boolFlag('f')), 201);
    edgeToken = (await api.call('POST', '/api/v1/tokens', { name: 'edge', role: 'edge' })).body
      .token;
  });
  after(() => api.close());

  test('an edge token reports; readers see lag against the environments', async () => {
    const envs = (await api.call('GET', '/api/v1/network')).body.environments as {
      id: string;
      seq: number;
    }[];
    const head = new Map(envs.map((e) => [e.id, e.seq]));
    const res = await api.call(
      'POST',
      '/api/v1/delivery/edges/edge-a/report',
      report('ignored', (id) => head.get(id)! - 1),
      {
        authorization: `Bearer ${edgeToken}`,
      },
    );
    expectStatus(res, 204);
    const view = (await api.call('GET', '/api/v1/network')).body;
    assert.equal(view.edges.length, 1);
    const edge = view.edges[0];
    assert.equal(edge.id, 'edge-a', 'the id comes from the path');
    assert.equal(edge.lastReportAt, clock, "the origin's clock, not the edge's");
    assert.equal(edge.status, 'lagging');
    assert.ok(
      edge.environments.every((e: { lag: number; key: string }) => e.lag === 1 && e.key !== ''),
    );
    assert.deepEqual(edge.propagation, { samples: 10, p50: 3, p99: 9, max: 12 });
  });

  test('an edge silent for more than 30 s is lost; a reader token cannot report', async () => {
    clock += 31_000;
    const view = (await api.call('GET', '/api/v1/network')).body;
    assert.equal(view.edges[0].status, 'lost');
    const reader = (await api.call('POST', '/api/v1/tokens', { name: 'r', role: 'reader' })).body
      .token;
    const refused = await api.call(
      'POST',
      '/api/v1/delivery/edges/x/report',
      report('x', () => 0),
      { authorization: `Bearer ${reader}` },
    );
    assert.equal(refused.status, 403);
    const bad = await api.call(
      'POST',
      '/api/v1/delivery/edges/x/report',
      { id: 'x' },
      { authorization: `Bearer ${edgeToken}` },
    );
    assert.equal(bad.status, 400);
  });
});
