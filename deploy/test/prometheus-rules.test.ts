import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyze } from './support/promql.js';
import { readText, repoPath } from './support/repo.js';
import { headingAnchors, loadRules, rulesFile, selectorProblems } from './support/rules.js';
import { findTool, run } from './support/tools.js';

// deploy/prometheus/vexil-rules.yaml: promtool's checks and unit tests where promtool is
// installed (scripts/bootstrap.mjs installs it), and, always, structural checks: every
// expression reads as PromQL over known series and labels, the burn-rate windows and
// thresholds follow the policy of docs/slo.md, every alert links a runbook section that exists.

const promtool = findTool('promtool');
const { groups, rules } = loadRules();
const recorded = new Set(rules.flatMap((r) => (r.record === undefined ? [] : [r.record])));
const alerts = rules.filter((r) => r.alert !== undefined);
const SLOS = ['stream_availability', 'propagation', 'api_availability'] as const;
const OBJECTIVES: Record<(typeof SLOS)[number], number> = {
  stream_availability: 0.999,
  propagation: 0.99,
  api_availability: 0.999,
};
const WINDOWS = ['5m', '30m', '1h', '6h', '3d', '30d'];
/** The policy: [long window, short window, burn-rate factor] per severity. */
const POLICY = {
  critical: [
    ['1h', '5m', 14.4],
    ['6h', '30m', 6],
  ],
  warning: [['3d', '6h', 1]],
} as const;
const SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86400 };
const seconds = (w: string) => Number(w.slice(0, -1)) * SECONDS[w.slice(-1)]!;

describe('Prometheus rules', () => {
  test('promtool check rules', { skip: promtool.skip }, () => {
    const result = run(promtool.path!, ['check', 'rules', rulesFile]);
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, new RegExp(`SUCCESS: ${rules.length} rules found`));
  });

  test(
    'promtool test rules (vexil-rules.test.yaml: each alert fires, and stays quiet, when it should)',
    { skip: promtool.skip },
    () => {
      const result = run(
        promtool.path!,
        ['test', 'rules', repoPath('deploy', 'prometheus', 'vexil-rules.test.yaml')],
        { timeoutMs: 120_000 },
      );
      assert.equal(result.status, 0, result.output);
      assert.match(result.output, /SUCCESS/);
    },
  );

  test('the unit tests cover every alert', () => {
    const tests = readText(repoPath('deploy', 'prometheus', 'vexil-rules.test.yaml'));
    for (const a of alerts)
      assert.match(tests, new RegExp(`alertname: ${a.alert}\\b`), `${a.alert} is unit-tested`);
  });

  test('groups and names are unique; every rule records or alerts', () => {
    const names = groups.map((g) => g['name']);
    assert.equal(new Set(names).size, names.length);
    assert.equal(recorded.size, rules.length - alerts.length, 'unique recording names');
    assert.equal(new Set(alerts.map((a) => a.alert)).size, alerts.length, 'unique alert names');
    for (const r of rules) assert.ok((r.record === undefined) !== (r.alert === undefined));
    for (const r of recorded)
      assert.match(r, /^slo:vexil_[a-z_]+:(objective|error_ratio_rate\d+[mhd])$/);
  });

  test('every expression parses and selects only exported series and labels', () => {
    const problems = rules.flatMap((r) =>
      selectorProblems(r.expr, recorded).map((p) => `${r.record ?? r.alert}: ${p}`),
    );
    assert.deepEqual(problems, []);
  });

  test('the reader rejects what promtool would (so that passing means something)', () => {
    assert.throws(() => analyze('sum(rate(vexil_edge_streams[5m])'), /unclosed/);
    assert.throws(() => analyze('summ(vexil_edge_streams)'), /unknown function summ/);
    assert.throws(() => analyze('vexil_edge_streams{environment}'), /malformed label matcher/);
    assert.deepEqual(
      selectorProblems('rate(vexil_edge_stream_refusals_total{reason="capacity"}[5m])', recorded),
      [
        'vexil_edge_stream_refusals_total{reason} is never "capacity" (one of auth, cap, not_ready, draining, overloaded)',
      ],
    );
    assert.deepEqual(selectorProblems('vexil_edge_streamz', recorded), [
      'unknown series vexil_edge_streamz',
    ]);
  });

  for (const slo of SLOS) {
    test(`${slo}: an objective and one SLI per window, the same expression over each window`, () => {
      const objective = rules.find((r) => r.record === `slo:vexil_${slo}:objective`);
      assert.equal(objective?.expr.trim(), `vector(${OBJECTIVES[slo]})`);
      const exprs = WINDOWS.map(
        (w) => rules.find((r) => r.record === `slo:vexil_${slo}:error_ratio_rate${w}`)?.expr,
      );
      const base = exprs[0];
      assert.ok(base !== undefined);
      WINDOWS.forEach((w, n) => {
        const expr = exprs[n];
        assert.ok(expr !== undefined, `slo:vexil_${slo}:error_ratio_rate${w}`);
        assert.equal(
          expr,
          base.replaceAll('[5m]', `[${w}]`),
          `${w} is the 5m expression over ${w}`,
        );
        const ranges = analyze(expr).selectors.flatMap((s) =>
          s.range === undefined ? [] : [s.range],
        );
        assert.ok(
          ranges.length > 0 && ranges.every((r) => r === w),
          `every range in the ${w} SLI is ${w}`,
        );
      });
    });

    test(`${slo}: multi-window burn-rate alerts at 14.4x (1h/5m) and 6x (6h/30m), ticket at 1x (3d/6h)`, () => {
      const budget = 1 - OBJECTIVES[slo];
      for (const [severity, pairs] of Object.entries(POLICY)) {
        const alert = alerts.find(
          (a) => a.labels['slo'] === slo && a.labels['severity'] === severity,
        );
        assert.ok(alert, `a ${severity} alert for ${slo}`);
        const conditions = [
          ...alert.expr.matchAll(
            /slo:vexil_(\w+?):error_ratio_rate(\w+) > \(([\d.]+) \* ([\d.]+)\)/g,
          ),
        ].map((m) => ({
          slo: m[1]!,
          window: m[2]!,
          factor: Number(m[3]),
          budget: Number(m[4]),
        }));
        assert.equal(conditions.length, pairs.length * 2, alert.expr);
        for (const c of conditions) {
          assert.equal(c.slo, slo);
          assert.ok(
            Math.abs(c.budget - budget) < 1e-12,
            `budget ${c.budget} = 1 - ${OBJECTIVES[slo]}`,
          );
        }
        for (const [long, short, factor] of pairs) {
          assert.ok(
            conditions.some((c) => c.window === long && c.factor === factor),
            `${long} at ${factor}x`,
          );
          assert.ok(
            conditions.some((c) => c.window === short && c.factor === factor),
            `${short} at ${factor}x`,
          );
          assert.equal(
            seconds(long) / seconds(short),
            12,
            'the short window is 1/12 of the long one',
          );
        }
        // Both windows must hold: `and` inside each pair, `or` between pairs.
        assert.equal((alert.expr.match(/\band\b/g) ?? []).length, pairs.length);
        assert.equal((alert.expr.match(/\bor\b/g) ?? []).length, pairs.length - 1);
      }
    });
  }

  test('every alert has a severity, a summary, a description and a runbook section that exists', () => {
    const runbooks = headingAnchors(readText(repoPath('docs', 'runbooks.md')));
    const slo = readText(repoPath('docs', 'slo.md'));
    for (const a of alerts) {
      assert.ok(
        ['critical', 'warning'].includes(a.labels['severity'] ?? ''),
        `${a.alert}: severity`,
      );
      assert.ok((a.annotations['summary'] ?? '').length > 10, `${a.alert}: summary`);
      assert.ok((a.annotations['description'] ?? '').length > 30, `${a.alert}: description`);
      const anchor = /^docs\/runbooks\.md#([a-z0-9-]+)$/.exec(
        a.annotations['runbook_url'] ?? '',
      )?.[1];
      assert.ok(anchor, `${a.alert}: runbook_url is docs/runbooks.md#<anchor>`);
      assert.ok(runbooks.has(anchor), `${a.alert}: docs/runbooks.md has a section #${anchor}`);
      assert.match(slo, new RegExp(`\\b${a.alert}\\b`), `docs/slo.md names ${a.alert}`);
    }
  });
});
