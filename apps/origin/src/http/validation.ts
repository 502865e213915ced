import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { validationFailed, type ErrorDetail } from './api-error.js';

// Request validation from the same JSON Schemas that the OpenAPI document publishes
// (components/schemas). Schemas reference each other as `#/components/schemas/Name`; ajv
// resolves them against one registered document, so what is documented is what is enforced.

export type JsonSchema = Record<string, unknown>;

const DOCUMENT_ID = 'vexil-api';

export class SchemaRegistry {
  private readonly ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  /**
   * Compiled validators by the schema's JSON: callers build schemas such as `ref('Flag')` afresh
   * per request, and compiling one costs milliseconds (ajv also keeps every schema it compiled).
   */
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(readonly components: Readonly<Record<string, JsonSchema>>) {
    this.ajv.addSchema({ $id: DOCUMENT_ID, components: { schemas: rebase(components) } });
  }

  /** Validates `value`; throws VALIDATION_FAILED naming every offending field. */
  check(schema: JsonSchema, value: unknown, root: string): void {
    const key = JSON.stringify(schema);
    let validate = this.cache.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(rebase(schema) as JsonSchema);
      this.cache.set(key, validate);
    }
    if (validate(value)) return;
    throw validationFailed(describeErrors(validate.errors ?? [], root));
  }
}

/** Rewrites `#/components/...` references to point into the registered document. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] =
      k === '$ref' && typeof v === 'string' && v.startsWith('#/')
        ? `${DOCUMENT_ID}${v}`
        : rebase(v);
  }
  return out;
}

/** `/rules/0/clauses/1` -> `rules[0].clauses[1]` under `root`. */
function fieldPath(root: string, pointer: string): string {
  let path = root;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path = /^\d+$/.test(part) ? `${path}[${part}]` : path === '' ? part : `${path}.${part}`;
  }
  return path;
}

function describeErrors(errors: readonly ErrorObject[], root: string): ErrorDetail[] {
  // oneOf/anyOf failures repeat each branch's errors; the branch errors are the useful ones.
  const useful = errors.filter(
    (e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if',
  );
  const seen = new Set<string>();
  const details: ErrorDetail[] = [];
  for (const e of useful.length > 0 ? useful : errors) {
    const detail = describe(e, root);
    const key = `${detail.path}|${detail.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      details.push(detail);
    }
  }
  return details;
}

function describe(e: ErrorObject, root: string): ErrorDetail {
  const path = fieldPath(root, e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { path: fieldPath(path, `/${String(p['missingProperty'])}`), message: 'is required' };
    case 'additionalProperties': {
      const allowed = Object.keys((e.parentSchema?.['properties'] as object | undefined) ?? {});
      return {
        path: fieldPath(path, `/${String(p['additionalProperty'])}`),
        message: `is not a known field${allowed.length > 0 ? `; allowed fields: ${allowed.join(', ')}` : ''}`,
      };
    }
    case 'type':
      return { path, message: `must be ${article(String(p['type']))}, not ${jsonType(e.data)}` };
    case 'enum':
      return {
        path,
        message: `must be one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return { path, message: `must be ${JSON.stringify(p['allowedValue'])}` };
    case 'minItems': {
      const n = Number(p['limit']);
      return { path, message: `must have at least ${n} item${n === 1 ? '' : 's'}${hint(e)}` };
    }
    case 'minLength':
      return { path, message: Number(p['limit']) === 1 ? 'must not be empty' : `${e.message}` };
    case 'pattern':
      return { path, message: `must match ${String(p['pattern'])}${hint(e)}` };
    default:
      return { path, message: `${e.message ?? 'is invalid'}${hint(e)}` };
  }
}

function hint(e: ErrorObject): string {
  const description = e.parentSchema?.['description'];
  return typeof description === 'string' ? ` (${description})` : '';
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  return `${typeof value} ${String(value)}`;
}

function article(type: string): string {
  const names: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    integer: 'an integer',
    boolean: 'true or false',
    object: 'an object',
    array: 'an array',
    null: 'null',
  };
  return type
    .split(',')
    .map((t) => names[t] ?? t)
    .join(' or ');
}
