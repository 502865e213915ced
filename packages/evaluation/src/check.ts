import {
  OPERATORS,
  parseAttributeReference,
  type Clause,
  type Flag,
  type Rollout,
  type Segment,
  type VariationOrRollout,
} from '@vexil/protocol';
import { regexError } from './regex.js';

// Strict semantic checks for flags and segments written through the control plane. LaunchDarkly
// SDKs accept flags that fail these checks (and evaluate them to MALFORMED_FLAG errors), so the
// import path only reports them as warnings; the editing routes reject them.

export interface Issue {
  /** Field path, e.g. `rules[0].rollout.variations`. */
  readonly path: string;
  readonly message: string;
}

const KNOWN_OPERATORS = new Set<string>(OPERATORS);

export function checkFlag(flag: Flag): Issue[] {
  const issues: Issue[] = [];
  const n = flag.variations.length;
  const index = (path: string, i: number | undefined) => {
    if (i !== undefined && (i < 0 || i >= n)) {
      issues.push({
        path,
        message: `variation index ${i} is out of range: the flag has ${n} variation(s), 0 to ${n - 1}`,
      });
    }
  };
  if (n === 0) issues.push({ path: 'variations', message: 'a flag needs at least one variation' });
  index('offVariation', flag.offVariation);
  (flag.prerequisites ?? []).forEach((p, i) => {
    if (p.key === flag.key) {
      issues.push({
        path: `prerequisites[${i}].key`,
        message: 'a flag cannot be its own prerequisite',
      });
    }
    if (p.variation < 0)
      issues.push({ path: `prerequisites[${i}].variation`, message: 'must be 0 or more' });
  });
  (flag.targets ?? []).forEach((t, i) => index(`targets[${i}].variation`, t.variation));
  (flag.contextTargets ?? []).forEach((t, i) => {
    index(`contextTargets[${i}].variation`, t.variation);
    if (t.contextKind === undefined || t.contextKind === '') {
      issues.push({
        path: `contextTargets[${i}].contextKind`,
        message: 'a context target needs a contextKind',
      });
    }
  });
  (flag.rules ?? []).forEach((rule, i) => {
    checkVariationOrRollout(`rules[${i}]`, rule, index, issues);
    (rule.clauses ?? []).forEach((c, j) => checkClause(`rules[${i}].clauses[${j}]`, c, issues));
  });
  if (flag.fallthrough === undefined) {
    issues.push({
      path: 'fallthrough',
      message: 'a flag needs a fallthrough variation or rollout',
    });
  } else {
    checkVariationOrRollout('fallthrough', flag.fallthrough, index, issues);
  }
  return issues;
}

export function checkSegment(segment: Segment): Issue[] {
  const issues: Issue[] = [];
  (segment.rules ?? []).forEach((rule, i) => {
    if (rule.weight !== undefined && (rule.weight < 0 || rule.weight > 100000)) {
      issues.push({
        path: `rules[${i}].weight`,
        message: `weight ${rule.weight} must be between 0 and 100000 (100%)`,
      });
    }
    if (rule.bucketBy !== undefined && rule.rolloutContextKind !== undefined) {
      const ref = parseAttributeReference(rule.bucketBy);
      if (ref.error !== undefined)
        issues.push({ path: `rules[${i}].bucketBy`, message: ref.error });
    }
    (rule.clauses ?? []).forEach((c, j) => checkClause(`rules[${i}].clauses[${j}]`, c, issues));
  });
  return issues;
}

function checkVariationOrRollout(
  path: string,
  vr: VariationOrRollout,
  index: (path: string, i: number | undefined) => void,
  issues: Issue[],
) {
  if (vr.variation !== undefined) {
    index(`${path}.variation`, vr.variation);
    return;
  }
  if (vr.rollout === undefined) {
    issues.push({ path, message: 'needs either "variation" or "rollout"' });
    return;
  }
  checkRollout(`${path}.rollout`, vr.rollout, index, issues);
}

function checkRollout(
  path: string,
  rollout: Rollout,
  index: (path: string, i: number | undefined) => void,
  issues: Issue[],
) {
  if (rollout.variations.length === 0) {
    issues.push({
      path: `${path}.variations`,
      message: 'a rollout needs at least one weighted variation',
    });
    return;
  }
  let total = 0;
  rollout.variations.forEach((wv, i) => {
    index(`${path}.variations[${i}].variation`, wv.variation);
    if (wv.weight < 0 || wv.weight > 100000) {
      issues.push({
        path: `${path}.variations[${i}].weight`,
        message: `weight ${wv.weight} must be between 0 and 100000`,
      });
    }
    total += wv.weight;
  });
  if (total !== 100000) {
    issues.push({
      path: `${path}.variations`,
      message: `weights add up to ${total}; they must add up to 100000 (100%, in thousandths of a percent)`,
    });
  }
  if (rollout.kind !== undefined && rollout.kind !== 'rollout' && rollout.kind !== 'experiment') {
    issues.push({
      path: `${path}.kind`,
      message: `unknown rollout kind "${rollout.kind}": use "rollout" or "experiment"`,
    });
  }
  if (rollout.bucketBy !== undefined && rollout.contextKind !== undefined) {
    const ref = parseAttributeReference(rollout.bucketBy);
    if (ref.error !== undefined) issues.push({ path: `${path}.bucketBy`, message: ref.error });
  }
}

function checkClause(path: string, clause: Clause, issues: Issue[]) {
  if (!KNOWN_OPERATORS.has(clause.op)) {
    issues.push({
      path: `${path}.op`,
      message: `unknown operator "${clause.op}": use one of ${OPERATORS.join(', ')}`,
    });
    return;
  }
  if (clause.op === 'segmentMatch') {
    if (clause.values.some((v) => typeof v !== 'string')) {
      issues.push({
        path: `${path}.values`,
        message: 'segmentMatch values must be segment keys (strings)',
      });
    }
    return;
  }
  if (clause.attribute === '') {
    issues.push({ path: `${path}.attribute`, message: 'a clause needs an attribute' });
  } else if (clause.contextKind !== undefined && clause.contextKind !== '') {
    const ref = parseAttributeReference(clause.attribute);
    if (ref.error !== undefined) issues.push({ path: `${path}.attribute`, message: ref.error });
  }
  if (clause.values.length === 0) {
    issues.push({ path: `${path}.values`, message: 'a clause needs at least one value' });
  }
  if (clause.op === 'matches') {
    clause.values.forEach((v, i) => {
      const error = typeof v === 'string' ? regexError(v) : 'a regular expression must be a string';
      if (error !== undefined)
        issues.push({ path: `${path}.values[${i}]`, message: `invalid RE2 pattern: ${error}` });
    });
  }
}
