import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';

// Loader for LaunchDarkly's sdk-test-harness data files, following the templating rules in
// test-data/ld-sdk-test-harness/README.md section 1: constants, then each parameter set, then
// constants again, as textual substitutions on the raw file, then YAML.

export const HARNESS_DIR = fileURLToPath(
  new URL('../../../../../test-data/ld-sdk-test-harness/', import.meta.url),
);

export interface HarnessEvaluation {
  name?: string;
  flagKey: string;
  context?: unknown;
  valueType?: 'bool' | 'int' | 'double' | 'string' | 'any';
  default?: unknown;
  expect: { value: unknown; variationIndex?: number; reason: Record<string, unknown> };
}

export interface HarnessSuite {
  file: string;
  name: string;
  requireCapability?: string;
  sdkData: { flags?: Record<string, unknown>; segments?: Record<string, unknown> };
  evaluations: HarnessEvaluation[];
}

type Bindings = Record<string, unknown>;

function substitute(text: string, bindings: Bindings): string {
  let out = text.replaceAll('\\u003c', '<').replaceAll('\\u003e', '>');
  for (const [name, value] of Object.entries(bindings)) {
    out = out.replaceAll(`"<${name}>"`, JSON.stringify(value));
  }
  for (const [name, value] of Object.entries(bindings)) {
    out = out.replaceAll(`<${name}>`, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return out;
}

function parameterSets(parameters: unknown): Bindings[] {
  if (!Array.isArray(parameters) || parameters.length === 0) return [];
  if (!Array.isArray(parameters[0])) return parameters as Bindings[];
  // Cartesian product, first list varying fastest (odometer order).
  let sets: Bindings[] = [{}];
  for (const list of parameters as Bindings[][]) {
    const next: Bindings[] = [];
    for (const item of list) for (const set of sets) next.push({ ...set, ...item });
    sets = next;
  }
  return sets;
}

export function loadSuites(folder: string): HarnessSuite[] {
  const dir = join(HARNESS_DIR, folder);
  const suites: HarnessSuite[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .sort()) {
    const text = readFileSync(join(dir, file), 'utf8');
    const top = load(text) as { constants?: Bindings; parameters?: unknown };
    const constants = top.constants ?? {};
    const sets = parameterSets(top.parameters);
    const texts =
      sets.length === 0
        ? [Object.keys(constants).length === 0 ? text : substitute(text, constants)]
        : sets.map((set) => substitute(substitute(substitute(text, constants), set), constants));
    for (const t of texts) suites.push({ file, ...(load(t) as Omit<HarnessSuite, 'file'>) });
  }
  return suites;
}
