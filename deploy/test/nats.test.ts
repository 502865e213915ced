import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { find, renderKustomization } from './support/kustomize.js';
import { at, deployDir, filesUnder, readText, rel } from './support/repo.js';
import { makeNatsCertificates } from './support/nats-tls.js';
import { findTool, run } from './support/tools.js';

// The NATS configurations in deploy/nats and the Kubernetes ConfigMap's nats.conf, checked by
// the server itself (`nats-server -t`: parses, resolves variables, loads the TLS files, rejects
// unknown fields), then against each other (gateways, routes, leaf ports).

const natsServer = findTool('nats-server', ['/usr/sbin']);
const openssl = findTool('openssl');
const confs = filesUnder(join(deployDir, 'nats'), ['.conf']);
const k8sConf = String(
  at(
    find(renderKustomization(join(deployDir, 'kubernetes')).objects, 'ConfigMap', 'nats-config'),
    'data',
    'nats.conf',
  ),
);

/** The text between `key {` and its closing brace. */
function block(text: string, key: string): string {
  const start = new RegExp(`^\\s*${key}\\s*\\{`, 'm').exec(text);
  assert.ok(start, `a ${key} block`);
  let depth = 0;
  for (let i = start.index + start[0].length - 1; i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) return text.slice(start.index + start[0].length, i);
  }
  throw new Error(`unclosed ${key} block`);
}
function field(text: string, key: string): string | undefined {
  return new RegExp(`^\\s*${key}:\\s*"?([^"\\n]+?)"?\\s*$`, 'm').exec(text)?.[1];
}
function urls(text: string): URL[] {
  return [...text.matchAll(/(?:nats|tls):\/\/[\w.$:@-]+/g)].map((m) => new URL(m[0]));
}

describe('NATS configurations', () => {
  let tls = '';
  before(() => {
    if (openssl.path === undefined) return;
    // The configs name /etc/nats/tls/*.pem; `-t` loads them, so the test makes real ones.
    tls = mkdtempSync(join(tmpdir(), 'vexil-nats-tls-'));
    makeNatsCertificates(openssl.path, tls);
  });
  after(() => {
    if (tls !== '') rmSync(tls, { recursive: true, force: true });
  });

  const check = (name: string, text: string) => {
    const file = join(tls, `${name}.conf`);
    writeFileSync(file, text.replaceAll('/etc/nats/tls/', `${tls}/`));
    return run(natsServer.path!, ['-t', '-c', file], {
      env: { ...process.env, NATS_SERVER_NAME: 'test-1', POD_NAME: 'nats-0' },
    });
  };
  const skip = natsServer.skip || openssl.skip;

  for (const conf of confs) {
    test(`nats-server -t accepts ${rel(conf)}`, { skip }, () => {
      const result = check(basename(conf, '.conf'), readText(conf));
      assert.equal(result.status, 0, result.output);
      assert.match(result.output, /is valid/);
    });
  }

  test('nats-server -t accepts the Kubernetes ConfigMap nats.conf', { skip }, () => {
    const result = check('k8s', k8sConf);
    assert.equal(result.status, 0, result.output);
  });

  test('nats-server -t rejects a broken config (so that passing means something)', { skip }, () => {
    const broken = readText(confs.find((c) => c.endsWith('regional-cluster.conf'))!).replace(
      'listen: 0.0.0.0:4222',
      'lisen: 0.0.0.0:4222',
    );
    const result = check('broken', broken);
    assert.notEqual(result.status, 0);
    assert.match(result.output, /unknown field "lisen"/);
  });

  test('every server config runs JetStream in a named cluster, except the leaf', () => {
    for (const conf of confs) {
      const text = readText(conf);
      assert.match(text, /^max_payload: 4MB$/m, `${rel(conf)}: one max_payload everywhere`);
      if (conf.endsWith('leaf-edge-site.conf')) {
        assert.doesNotMatch(
          text,
          /^\s*jetstream\s*\{/m,
          'the leaf runs no JetStream (its edges use the hub’s)',
        );
        continue;
      }
      block(text, 'jetstream');
      const cluster = block(text, 'cluster');
      assert.ok(field(cluster, 'name'));
      const routes = urls(cluster);
      // An edge-only region of the supercluster has 2 (see the majority test below).
      const size = conf.endsWith(join('supercluster', 'us-east.conf')) ? 2 : 3;
      assert.equal(
        new Set(routes.map((u) => u.hostname)).size,
        size,
        `${rel(conf)}: routes to ${size} nodes`,
      );
      assert.ok(routes.every((u) => u.port === '6222'));
    }
  });

  test('the leaf connects to the regional leafnode port over TLS with a client certificate', () => {
    const leaf = readText(join(deployDir, 'nats', 'leaf-edge-site.conf'));
    const regional = readText(join(deployDir, 'nats', 'regional-cluster.conf'));
    const hubPort = field(block(regional, 'leafnodes'), 'listen')?.split(':').pop();
    const remotes = urls(block(leaf, 'leafnodes'));
    assert.equal(remotes.length, 3);
    const routeHosts = urls(block(regional, 'cluster')).map((u) => u.hostname);
    for (const u of remotes) {
      assert.equal(u.protocol, 'tls:');
      assert.equal(u.port, hubPort);
      assert.ok(routeHosts.includes(u.hostname), `${u.hostname} is a node of the regional cluster`);
      assert.equal(u.password, '', 'no password in a URL');
    }
    assert.ok(field(block(leaf, 'tls'), 'cert_file'), 'the site presents a certificate');
    // Plain JetStream API requests do not cross a leaf connection; the leaf maps them to the
    // region's domain, which does (nats-topology.test.ts runs it).
    const domain = field(block(regional, 'jetstream'), 'domain');
    assert.ok(domain);
    assert.match(leaf, new RegExp(`^default_js_domain: \\{ "\\$G": ${domain} \\}$`, 'm'));
    assert.equal(
      field(block(block(regional, 'leafnodes'), 'tls'), 'verify'),
      'true',
      'the hub requires one',
    );
  });

  test('supercluster: every region is a gateway named after its cluster, listing every region', () => {
    const regions = confs.filter((c) => c.includes(`${join('nats', 'supercluster')}/`));
    assert.ok(regions.length >= 2);
    const names = regions.map((c) => basename(c, '.conf')).sort();
    for (const conf of regions) {
      const text = readText(conf);
      const region = basename(conf, '.conf');
      assert.equal(field(block(text, 'cluster'), 'name'), region);
      const gateway = block(text, 'gateway');
      assert.equal(field(gateway, 'name'), region, 'gateway name = cluster name');
      const gateways = gateway.slice(gateway.indexOf('gateways:'));
      const listed = [...gateways.matchAll(/^\s*name:\s*(\S+)\s*$/gm)].map((m) => m[1]!);
      assert.deepEqual(listed.sort(), names, `${region} lists every region, itself included`);
      const port = field(gateway, 'listen')?.split(':').pop();
      for (const u of urls(gateway)) {
        assert.equal(u.port, port);
        assert.match(u.hostname, new RegExp(`^(${names.join('|')})-\\d\\.`));
      }
      assert.match(text, new RegExp(`server_tags: \\["region:${region}"\\]`));
      assert.equal(
        field(block(text, 'jetstream'), 'domain'),
        'vexil',
        'one domain for the supercluster',
      );
      // nats-server refuses to start with gateways and leaf nodes but no system account.
      assert.match(text, /^system_account: SYS$/m);
    }
  });

  test('supercluster: the origin’s region holds a majority of the JetStream nodes', () => {
    // The meta group (every stream and consumer is created through it) spans the JetStream
    // nodes of all regions; eu-west must keep a majority alone when an edge-only region is lost
    // (system-tests/test/two-regions.test.ts).
    const regions = confs.filter((c) => c.includes(`${join('nats', 'supercluster')}/`));
    const nodes = new Map(
      regions.map((c) => {
        const routes = urls(block(readText(c), 'cluster'));
        return [basename(c, '.conf'), new Set(routes.map((u) => u.hostname)).size] as const;
      }),
    );
    const total = [...nodes.values()].reduce((a, b) => a + b, 0);
    assert.ok(2 * nodes.get('eu-west')! > total, JSON.stringify(Object.fromEntries(nodes)));
    for (const conf of regions) {
      const gateway = block(readText(conf), 'gateway');
      const listed = urls(gateway.slice(gateway.indexOf('gateways:')));
      assert.equal(listed.length, total, `${rel(conf)}: every node of every region`);
    }
  });
});
