import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { analyze } from './support/promql.js';
import { asArray, at, isObject, readText, repoPath, type JsonObject } from './support/repo.js';
import { loadRules, selectorProblems } from './support/rules.js';
import { findTool, run } from './support/tools.js';

// deploy/grafana/vexil-dashboard.json: valid JSON with a datasource variable, panels laid out
// without overlap, every query over exported series (or the rules' recorded SLIs), parsed by
// promtool where installed, and every SLI and operating signal of issue 7 on a panel.

const promtool = findTool('promtool');
const dashboard: unknown = JSON.parse(
  readText(repoPath('deploy', 'grafana', 'vexil-dashboard.json')),
);
assert.ok(isObject(dashboard));
const panels = asArray(dashboard['panels']).filter(isObject);
const queryPanels = panels.filter((p) => p['type'] !== 'row');
const recorded = new Set(
  loadRules().rules.flatMap((r) => (r.record === undefined ? [] : [r.record])),
);

interface Query {
  readonly panel: string;
  readonly expr: string;
}
const queries: Query[] = queryPanels.flatMap((p) =>
  asArray(p['targets'])
    .filter(isObject)
    .map((t) => ({ panel: String(p['title']), expr: String(t['expr'] ?? '') })),
);

/** Grafana's variables in queries, as a Prometheus data source expands them. */
function expand(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '1m')
    .replaceAll('$__range', '1h');
}

describe('Grafana dashboard', () => {
  test('identity, schema and a Prometheus data-source variable', () => {
    assert.equal(dashboard['uid'], 'vexil-overview');
    assert.equal(typeof dashboard['title'], 'string');
    assert.ok(Number(dashboard['schemaVersion']) >= 36);
    const vars = asArray(at(dashboard, 'templating', 'list')).filter(isObject);
    const ds = vars.find((v) => v['name'] === 'datasource');
    assert.equal(ds?.['type'], 'datasource');
    assert.equal(ds?.['query'], 'prometheus');
  });

  test('panel ids are unique; every query panel uses ${datasource} and has queries', () => {
    const ids = panels.map((p) => p['id']);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.every((id) => Number.isInteger(id)));
    for (const p of queryPanels) {
      const title = String(p['title']);
      assert.ok(title.length > 0);
      assert.deepEqual(p['datasource'], { type: 'prometheus', uid: '${datasource}' }, title);
      const targets = asArray(p['targets']).filter(isObject);
      assert.ok(targets.length > 0, `${title} has targets`);
      const refIds = targets.map((t) => t['refId']);
      assert.equal(new Set(refIds).size, refIds.length, `${title}: unique refIds`);
      for (const t of targets) {
        assert.deepEqual(t['datasource'], { type: 'prometheus', uid: '${datasource}' }, title);
        assert.ok(String(t['expr'] ?? '').trim().length > 0, `${title}: a query`);
      }
    }
    for (const p of panels.filter((x) => x['type'] === 'row'))
      assert.deepEqual(p['panels'], [], 'rows are expanded');
  });

  test('panels sit on the 24-column grid without overlapping', () => {
    const boxes = panels.map((p) => {
      const g = p['gridPos'] as JsonObject;
      const box = {
        title: String(p['title']),
        x: Number(g['x']),
        y: Number(g['y']),
        w: Number(g['w']),
        h: Number(g['h']),
      };
      assert.ok(
        box.x >= 0 && box.y >= 0 && box.w > 0 && box.h > 0 && box.x + box.w <= 24,
        `${box.title}: ${JSON.stringify(g)}`,
      );
      return box;
    });
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!;
        const b = boxes[j]!;
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        assert.ok(!overlap, `"${a.title}" overlaps "${b.title}"`);
      }
    }
  });

  test('every query parses and selects only exported series and labels, or the recorded SLIs', () => {
    const problems = queries.flatMap((q) =>
      selectorProblems(expand(q.expr), recorded).map((p) => `${q.panel}: ${p}`),
    );
    assert.deepEqual(problems, []);
  });

  test('promtool parses every query', { skip: promtool.skip }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'vexil-dashboard-'));
    try {
      const file = join(dir, 'dashboard-queries.yaml');
      const rules = queries.map((q, n) => ({
        record: `dashboard:query_${n}`,
        expr: expand(q.expr),
      }));
      writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
      const result = run(promtool.path!, ['check', 'rules', file]);
      assert.equal(result.status, 0, result.output);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('covers the SLIs and the operating signals', () => {
    const used = new Set(
      queries.flatMap((q) => analyze(expand(q.expr)).selectors.map((s) => s.metric)),
    );
    const grouped = (metric: string, label: string) =>
      queries.some((q) => {
        const a = analyze(expand(q.expr));
        return a.selectors.some((s) => s.metric === metric) && a.groupingLabels.includes(label);
      });
    for (const slo of ['stream_availability', 'propagation', 'api_availability']) {
      for (const w of ['30d', '5m', '1h', '6h'])
        assert.ok(used.has(`slo:vexil_${slo}:error_ratio_rate${w}`), `${slo} over ${w}`);
    }
    for (const h of [
      'vexil_probe_propagation_seconds',
      'vexil_propagation_commit_to_apply_seconds',
      'vexil_propagation_apply_to_written_seconds',
      'vexil_edge_fanout_duration_seconds',
      'vexil_api_request_duration_seconds',
    ]) {
      assert.ok(used.has(`${h}_bucket`), `${h} quantiles`);
    }
    assert.ok(grouped('vexil_edge_streams', 'environment'), 'streams by environment');
    assert.ok(grouped('vexil_edge_streams', 'protocol'), 'streams by protocol');
    assert.ok(grouped('vexil_edge_stream_connects_total', 'protocol'), 'connects');
    assert.ok(grouped('vexil_edge_stream_disconnects_total', 'reason'), 'disconnects by reason');
    assert.ok(grouped('vexil_edge_stream_refusals_total', 'reason'), 'refusals by reason');
    assert.ok(grouped('vexil_edge_bus_lag_changes', 'environment'), 'bus lag');
    assert.ok(grouped('vexil_edge_snapshot_age_seconds', 'environment'), 'snapshot age');
    for (const m of [
      'vexil_probe_failures_total',
      'vexil_edge_stale',
      'vexil_edge_upstream_connected',
      'vexil_outbox_lag_changes',
      'vexil_api_requests_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      assert.ok(used.has(m), m);
    }
  });
});
