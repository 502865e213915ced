import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  checkObject,
  find,
  podContainers,
  podSpec,
  renderKustomization,
  selects,
  type K8sObject,
} from './support/kustomize.js';
import { typeCheckObjects, validateWithModel } from './support/k8s-schema.js';
import {
  asArray,
  asRecord,
  at,
  deployDir,
  filesUnder,
  isObject,
  readText,
  readYaml,
  readYamlDocuments,
  rel,
  repoPath,
  type JsonObject,
} from './support/repo.js';

// deploy/kubernetes: rendered as `kustomize build` would, every object schema-checked offline,
// and the references between objects (selectors, ports, probes, config, secrets, timings)
// checked against each other and against what the vexil program reads.

const dir = join(deployDir, 'kubernetes');
const { objects, resources } = renderKustomization(dir);
const secretTemplate = checkObject(
  readYaml(join(dir, 'secret.example.yaml')),
  'secret.example.yaml',
);
const config = asRecord(find(objects, 'ConfigMap', 'vexil-config')['data']);

/** The server's own limit for open requests after the drain (serveConfig: shutdownTimeoutMs). */
const SERVER_REQUEST_TIMEOUT_S = 20;

function labelsOf(value: unknown): Record<string, string> {
  return asRecord(value);
}
function podLabels(obj: K8sObject): Record<string, string> {
  return labelsOf(at(obj, 'spec', 'template', 'metadata', 'labels'));
}
function workloads(): K8sObject[] {
  return objects.filter((o) => podSpec(o) !== undefined);
}
function container(obj: K8sObject, name: string): JsonObject {
  const c = podContainers(obj).find((x) => x['name'] === name);
  assert.ok(c, `${obj.kind} ${obj.metadata.name} has a container ${name}`);
  return c;
}
function envOf(c: JsonObject): Map<string, JsonObject> {
  return new Map(
    asArray(c['env'])
      .filter(isObject)
      .map((e) => [String(e['name']), e]),
  );
}
function containerPorts(obj: K8sObject): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of podContainers(obj)) {
    for (const p of asArray(c['ports']).filter(isObject))
      out.set(String(p['name']), Number(p['containerPort']));
  }
  return out;
}
function preStopSleep(c: JsonObject): number {
  const command = asArray(at(c, 'lifecycle', 'preStop', 'exec', 'command')).map(String);
  assert.equal(command[0], 'sleep', `preStop of ${String(c['name'])} is a sleep`);
  return Number(command[1]);
}

describe('kubernetes manifests', () => {
  test('the kustomization lists every manifest but the secret template, and renders', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    assert.deepEqual(
      [...resources].sort(),
      files.filter((f) => f !== 'secret.example.yaml').sort(),
    );
    assert.ok(!resources.includes('secret.example.yaml'), 'placeholder secrets are never applied');
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    assert.equal(new Set(names).size, names.length, `unique objects: ${names.join(', ')}`);
    for (const o of objects) {
      if (o.kind !== 'Namespace')
        assert.equal(o.metadata['namespace'], 'vexil', `${o.kind}/${o.metadata.name}`);
    }
    for (const kind of [
      'Namespace',
      'ConfigMap',
      'Deployment',
      'Service',
      'StatefulSet',
      'PodDisruptionBudget',
      'HorizontalPodAutoscaler',
      'ServiceMonitor',
      'NetworkPolicy',
    ]) {
      assert.ok(
        objects.some((o) => o.kind === kind),
        `renders a ${kind}`,
      );
    }
  });

  test('every object passes its OpenAPI schema (kubernetes-models validate())', async () => {
    const all = [...objects, secretTemplate];
    const failures: string[] = [];
    for (const obj of all) {
      const error = await validateWithModel(obj);
      if (error !== undefined) failures.push(`${obj.kind}/${obj.metadata.name}: ${error}`);
    }
    assert.deepEqual(failures, []);
  });

  test('every object type-checks against its model: no unknown or misplaced field', () => {
    const all = [...objects, secretTemplate].map((obj) => ({
      label: `${obj.kind}/${obj.metadata.name}`,
      obj,
    }));
    assert.deepEqual(typeCheckObjects(all), []);
  });

  test('the schema checks catch a broken manifest (so that passing means something)', async () => {
    const edge = structuredClone(find(objects, 'Deployment', 'vexil-edge'));
    const c = podContainers(edge)[0]!;
    c['readinesProbe'] = c['readinessProbe']!;
    delete c['readinessProbe'];
    (edge['spec'] as JsonObject)['minReadySeconds'] = 'soon';
    assert.match((await validateWithModel(edge)) ?? '', /minReadySeconds/);
    const typeErrors = typeCheckObjects([{ label: 'broken edge', obj: edge }]);
    assert.ok(
      typeErrors.some((e) => e.includes('readinesProbe')),
      typeErrors.join('\n'),
    );
  });

  test('workload selectors match their pod templates; services and PDBs select exactly one workload', () => {
    for (const w of workloads()) {
      const selector = labelsOf(at(w, 'spec', 'selector', 'matchLabels'));
      assert.ok(
        selects(selector, podLabels(w)),
        `${w.kind}/${w.metadata.name} selects its own pods`,
      );
    }
    for (const o of objects.filter(
      (x) => x.kind === 'Service' || x.kind === 'PodDisruptionBudget',
    )) {
      const selector =
        o.kind === 'Service'
          ? labelsOf(at(o, 'spec', 'selector'))
          : labelsOf(at(o, 'spec', 'selector', 'matchLabels'));
      const matched = workloads().filter((w) => selects(selector, podLabels(w)));
      assert.equal(
        matched.length,
        1,
        `${o.kind}/${o.metadata.name} selects ${matched.map((w) => w.metadata.name).join(', ') || 'nothing'}`,
      );
    }
    assert.equal(
      workloads().find((w) =>
        selects(
          labelsOf(
            at(
              find(objects, 'PodDisruptionBudget', 'vexil-edge'),
              'spec',
              'selector',
              'matchLabels',
            ),
          ),
          podLabels(w),
        ),
      )?.metadata.name,
      'vexil-edge',
      'the edge PDB covers the edge pods',
    );
  });

  test('service ports target named container ports of the selected pods', () => {
    for (const svc of objects.filter((o) => o.kind === 'Service')) {
      const selector = labelsOf(at(svc, 'spec', 'selector'));
      const w = workloads().find((x) => selects(selector, podLabels(x)))!;
      const ports = containerPorts(w);
      for (const p of asArray(at(svc, 'spec', 'ports')).filter(isObject)) {
        assert.equal(typeof p['targetPort'], 'string', `${svc.metadata.name}: targetPort by name`);
        assert.ok(
          ports.has(String(p['targetPort'])),
          `${svc.metadata.name}: ${String(p['targetPort'])} is a port of ${w.metadata.name}`,
        );
        assert.equal(
          p['name'],
          p['targetPort'],
          `${svc.metadata.name}: port and target share a name`,
        );
      }
    }
  });

  for (const [name, role, port] of [
    ['vexil-origin', 'origin', 8080],
    ['vexil-edge', 'edge', 8030],
  ] as const) {
    test(`${name}: role, port, probes on /readyz and /healthz`, () => {
      const d = find(objects, 'Deployment', name);
      const c = container(d, role);
      assert.deepEqual(c['args'], [role]);
      assert.match(String(c['image']), /^vexil:\S+$/);
      assert.equal(containerPorts(d).get('http'), port);
      assert.equal(
        at(envOf(c).get('VEXIL_PORT'), 'value'),
        String(port),
        'VEXIL_PORT is the container port',
      );
      assert.equal(config['VEXIL_HOST'], '0.0.0.0', 'listens on the pod address, not loopback');
      assert.equal(at(c, 'readinessProbe', 'httpGet', 'path'), '/readyz');
      assert.equal(at(c, 'readinessProbe', 'httpGet', 'port'), 'http');
      assert.equal(at(c, 'livenessProbe', 'httpGet', 'path'), '/healthz');
      assert.equal(at(c, 'livenessProbe', 'httpGet', 'port'), 'http');
      const svc = find(objects, 'Service', name);
      assert.equal(at(svc, 'spec', 'ports', 0, 'port'), port);
    });

    test(`${name}: preStop, drain and grace period fit together`, () => {
      const d = find(objects, 'Deployment', name);
      const sleep = preStopSleep(container(d, role));
      const grace = Number(at(d, 'spec', 'template', 'spec', 'terminationGracePeriodSeconds'));
      const drain = Number(config['VEXIL_DRAIN_SECONDS']);
      assert.ok(sleep > 0 && drain > 0, 'a preStop sleep and a drain window');
      assert.ok(sleep < grace, `preStop ${sleep}s < grace ${grace}s`);
      assert.ok(
        sleep + drain + SERVER_REQUEST_TIMEOUT_S < grace,
        `preStop ${sleep}s + drain ${drain}s + ${SERVER_REQUEST_TIMEOUT_S}s for requests < grace ${grace}s`,
      );
      // The server exits by itself at the latest 2x its request timeout after SIGTERM.
      assert.ok(sleep + 2 * SERVER_REQUEST_TIMEOUT_S <= grace, 'the kubelet never has to SIGKILL');
    });
  }

  test('the origin runs 2 replicas; the HPA alone sizes the edges', () => {
    assert.equal(at(find(objects, 'Deployment', 'vexil-origin'), 'spec', 'replicas'), 2);
    assert.equal(at(find(objects, 'Deployment', 'vexil-edge'), 'spec', 'replicas'), undefined);
  });

  test('the edge HPA scales the edge Deployment on streams per pod, before pods reach their cap', () => {
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'vexil-edge');
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.deepEqual(at(hpa, 'spec', 'scaleTargetRef'), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'vexil-edge',
    });
    const pods = asArray(at(hpa, 'spec', 'metrics'))
      .filter(isObject)
      .find((m) => m['type'] === 'Pods');
    assert.equal(at(pods, 'pods', 'metric', 'name'), 'vexil_edge_streams');
    assert.equal(at(pods, 'pods', 'target', 'type'), 'AverageValue');
    const target = Number(at(pods, 'pods', 'target', 'averageValue'));
    assert.ok(
      target > 0 && target < Number(config['VEXIL_MAX_STREAMS']),
      `target ${target} < cap ${config['VEXIL_MAX_STREAMS']}`,
    );
    const pdb = find(objects, 'PodDisruptionBudget', 'vexil-edge');
    assert.ok(
      Number(at(hpa, 'spec', 'minReplicas')) > Number(at(pdb, 'spec', 'maxUnavailable')),
      'a disruption never takes every edge',
    );

    // The Prometheus adapter rule serves this metric under this name, per pod.
    const adapter = readYaml(repoPath('deploy', 'prometheus', 'adapter-rules.yaml'));
    const rule = asArray(at(adapter, 'rules', 'custom'))
      .filter(isObject)
      .find((r) => at(r, 'name', 'as') === 'vexil_edge_streams');
    assert.ok(rule, 'adapter-rules.yaml exposes vexil_edge_streams');
    assert.match(String(rule['seriesQuery']), /^vexil_edge_streams\{/);
    assert.equal(at(rule, 'resources', 'overrides', 'pod', 'resource'), 'pod');
    assert.equal(at(rule, 'resources', 'overrides', 'namespace', 'resource'), 'namespace');
    assert.match(
      String(rule['metricsQuery']),
      /^sum by \(<<\.GroupBy>>\) \(<<\.Series>>\{<<\.LabelMatchers>>\}\)$/,
    );
  });

  test('config and secret references resolve; the secret template holds every key used', () => {
    const secretKeys = new Set(Object.keys(asRecord(secretTemplate['stringData'])));
    for (const w of workloads()) {
      for (const c of podContainers(w)) {
        for (const from of asArray(c['envFrom']).filter(isObject)) {
          const cm = at(from, 'configMapRef', 'name');
          if (cm !== undefined) find(objects, 'ConfigMap', String(cm));
        }
        for (const e of envOf(c).values()) {
          const ref = at(e, 'valueFrom', 'secretKeyRef');
          if (ref === undefined) continue;
          assert.equal(at(ref, 'name'), secretTemplate.metadata.name);
          assert.ok(
            secretKeys.has(String(at(ref, 'key'))),
            `secret.example.yaml has ${String(at(ref, 'key'))}`,
          );
        }
        for (const v of asArray(c['volumeMounts']).filter(isObject)) {
          const volumes = asArray(podSpec(w)?.['volumes'])
            .filter(isObject)
            .map((x) => x['name']);
          const claims = asArray(at(w, 'spec', 'volumeClaimTemplates')).map((x) =>
            at(x, 'metadata', 'name'),
          );
          assert.ok(
            [...volumes, ...claims].includes(v['name']!),
            `${w.metadata.name}: volume ${String(v['name'])}`,
          );
        }
      }
      for (const v of asArray(podSpec(w)?.['volumes']).filter(isObject)) {
        const cm = at(v, 'configMap', 'name');
        if (cm !== undefined) find(objects, 'ConfigMap', String(cm));
      }
    }
  });

  test('every VEXIL_ variable set is one that the vexil program reads', () => {
    const source = filesUnder(repoPath('apps', 'cli', 'src'), ['.ts'])
      .map(readText)
      .join('\n');
    const used = new Set<string>(Object.keys(config));
    for (const w of workloads())
      for (const c of podContainers(w)) for (const name of envOf(c).keys()) used.add(name);
    for (const key of Object.keys(asRecord(secretTemplate['stringData']))) used.add(key);
    for (const name of [...used].filter((n) => n.startsWith('VEXIL_'))) {
      assert.ok(source.includes(`'${name}'`), `${name} is read by apps/cli/src`);
    }
  });

  test('the origin and edges find NATS and the origin by their Services', () => {
    const bus = new URL(config['VEXIL_BUS']!);
    const nats = find(objects, 'Service', bus.hostname);
    assert.ok(asArray(at(nats, 'spec', 'ports')).some((p) => at(p, 'port') === Number(bus.port)));
    const origin = new URL(config['VEXIL_ORIGIN']!);
    const svc = find(objects, 'Service', origin.hostname);
    assert.ok(asArray(at(svc, 'spec', 'ports')).some((p) => at(p, 'port') === Number(origin.port)));
    const sts = find(objects, 'StatefulSet', 'nats');
    assert.ok(
      Number(config['VEXIL_NATS_REPLICAS']) <= Number(at(sts, 'spec', 'replicas')),
      'stream replicas fit the cluster',
    );
  });

  test('NATS: 3 nodes with volumes, routes to each by its stable name, config mounted where read', () => {
    const sts = find(objects, 'StatefulSet', 'nats');
    const replicas = Number(at(sts, 'spec', 'replicas'));
    assert.equal(replicas, 3);
    const headless = find(objects, 'Service', String(at(sts, 'spec', 'serviceName')));
    assert.equal(at(headless, 'spec', 'clusterIP'), 'None');
    assert.equal(at(headless, 'spec', 'publishNotReadyAddresses'), true);
    const conf = String(at(find(objects, 'ConfigMap', 'nats-config'), 'data', 'nats.conf'));
    const routes = [...conf.matchAll(/nats:\/\/([\w.-]+):(\d+)/g)].map((m) => `${m[1]}:${m[2]}`);
    const expected = Array.from(
      { length: replicas },
      (_, i) => `${sts.metadata.name}-${i}.${headless.metadata.name}:6222`,
    );
    assert.deepEqual(routes, expected);
    const c = container(sts, 'nats');
    const configPath = asArray(c['args']).map(String)[1]!;
    const mount = asArray(c['volumeMounts'])
      .filter(isObject)
      .find((m) => configPath.startsWith(`${String(m['mountPath'])}/`));
    assert.equal(mount?.['name'], 'config');
    const storeDir = /store_dir:\s*"([^"]+)"/.exec(conf)?.[1] ?? '';
    const data = asArray(c['volumeMounts'])
      .filter(isObject)
      .find((m) => storeDir.startsWith(`${String(m['mountPath'])}/`));
    assert.equal(
      data?.['name'],
      at(sts, 'spec', 'volumeClaimTemplates', 0, 'metadata', 'name'),
      'JetStream stores on the PVC',
    );
    assert.match(conf, /server_name: \$POD_NAME/);
    assert.equal(
      at(envOf(c).get('POD_NAME'), 'valueFrom', 'fieldRef', 'fieldPath'),
      'metadata.name',
    );
    assert.deepEqual(at(c, 'lifecycle', 'preStop', 'exec', 'command'), [
      'nats-server',
      '--signal',
      'ldm=/var/run/nats/nats.pid',
    ]);
    assert.match(conf, /pid_file: "\/var\/run\/nats\/nats.pid"/);
    const lameDuck = Number(/lame_duck_duration: (\d+)s/.exec(conf)?.[1]);
    assert.ok(
      lameDuck < Number(at(sts, 'spec', 'template', 'spec', 'terminationGracePeriodSeconds')),
    );
  });

  test('the NATS NetworkPolicy admits the vexil pods and the NATS nodes', () => {
    const np = find(objects, 'NetworkPolicy', 'nats');
    const sts = find(objects, 'StatefulSet', 'nats');
    assert.ok(selects(labelsOf(at(np, 'spec', 'podSelector', 'matchLabels')), podLabels(sts)));
    const natsPorts = containerPorts(sts);
    const rules = asArray(at(np, 'spec', 'ingress')).filter(isObject);
    const admits = (w: K8sObject, port: string) =>
      rules.some(
        (r) =>
          asArray(r['ports']).some((p) => at(p, 'port') === port) &&
          (r['from'] === undefined ||
            asArray(r['from']).some((f) =>
              selects(labelsOf(at(f, 'podSelector', 'matchLabels')), podLabels(w)),
            )),
      );
    for (const name of ['vexil-origin', 'vexil-edge'])
      assert.ok(admits(find(objects, 'Deployment', name), 'client'), `${name} reaches NATS`);
    assert.ok(admits(sts, 'cluster'), 'NATS nodes reach each other');
    for (const r of rules)
      for (const p of asArray(r['ports'])) assert.ok(natsPorts.has(String(at(p, 'port'))));
  });

  test('the ServiceMonitor scrapes /metrics on the origin and edge Services, as the rules expect', () => {
    const sm = find(objects, 'ServiceMonitor', 'vexil');
    const selector = labelsOf(at(sm, 'spec', 'selector', 'matchLabels'));
    const scraped = objects
      .filter((o) => o.kind === 'Service' && selects(selector, labelsOf(o.metadata['labels'])))
      .map((o) => o.metadata.name);
    assert.deepEqual(scraped.sort(), ['vexil-edge', 'vexil-origin']);
    const endpoint = asArray(at(sm, 'spec', 'endpoints')).filter(isObject)[0]!;
    assert.equal(endpoint['path'], '/metrics');
    for (const name of scraped) {
      assert.ok(
        asArray(at(find(objects, 'Service', name), 'spec', 'ports')).some(
          (p) => at(p, 'name') === endpoint['port'],
        ),
      );
    }
    assert.equal(
      at(sm, 'spec', 'jobLabel'),
      undefined,
      'job = the Service name (vexil-edge, vexil-origin)',
    );
    const rules = readText(repoPath('deploy', 'prometheus', 'vexil-rules.yaml'));
    for (const job of rules.matchAll(/job="([^"]+)"/g))
      assert.ok(scraped.includes(job[1]!), `rules select job ${job[1]}`);
    const relabel = asArray(endpoint['relabelings'])
      .filter(isObject)
      .find((r) => r['targetLabel'] === 'ready');
    assert.ok(relabel, 'targets carry a ready label (VexilNoEdgesReady)');
    const regex = new RegExp(`^${String(relabel['regex'])}$`);
    assert.equal(regex.exec('true;')?.[1], 'true');
    assert.equal(regex.exec(';false')?.[1], 'false');
  });

  test('containers run unprivileged with requests set', () => {
    for (const w of workloads()) {
      assert.equal(
        at(w, 'spec', 'template', 'spec', 'securityContext', 'runAsNonRoot'),
        true,
        w.metadata.name,
      );
      for (const c of podContainers(w)) {
        assert.equal(at(c, 'securityContext', 'allowPrivilegeEscalation'), false);
        assert.deepEqual(at(c, 'securityContext', 'capabilities', 'drop'), ['ALL']);
        assert.ok(
          at(c, 'resources', 'requests', 'cpu') !== undefined &&
            at(c, 'resources', 'requests', 'memory') !== undefined,
        );
      }
    }
    // The image's user (deploy/docker/Dockerfile) is the one the vexil pods run as.
    const user = /^USER (\d+)/m.exec(readText(repoPath('deploy', 'docker', 'Dockerfile')))?.[1];
    for (const name of ['vexil-origin', 'vexil-edge']) {
      assert.equal(
        String(
          at(
            find(objects, 'Deployment', name),
            'spec',
            'template',
            'spec',
            'securityContext',
            'runAsUser',
          ),
        ),
        user,
      );
    }
  });

  test('every YAML file under deploy/ parses strictly', () => {
    for (const file of filesUnder(deployDir, ['.yaml', '.yml'])) {
      assert.doesNotThrow(() => readYamlDocuments(file), rel(file));
    }
  });
});
