import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** The repository root (this file runs from deploy/dist/test/support/). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const deployDir = join(repoRoot, 'deploy');

export function repoPath(...parts: string[]): string {
  return join(repoRoot, ...parts);
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Every file under `dir` whose name ends with one of `extensions`, sorted. */
export function filesUnder(dir: string, extensions: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(path);
      } else if (extensions.some((e) => entry.name.endsWith(e))) {
        out.push(path);
      }
    }
  };
  walk(dir);
  return out.sort();
}

export function rel(path: string): string {
  return relative(repoRoot, path);
}

/**
 * Every document of a YAML file, parsed strictly: a syntax error, a duplicate key or a warning
 * fails, naming the file.
 */
export function readYamlDocuments(path: string): unknown[] {
  const docs = parseAllDocuments(readText(path), { uniqueKeys: true, prettyErrors: true });
  const out: unknown[] = [];
  for (const doc of docs) {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) {
      throw new Error(`${rel(path)}: ${problems.map((p) => p.message).join('; ')}`);
    }
    const value: unknown = doc.toJS({ maxAliasCount: 0 });
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

export function readYaml(path: string): unknown {
  const docs = readYamlDocuments(path);
  if (docs.length !== 1)
    throw new Error(`${rel(path)}: expected one YAML document, got ${docs.length}`);
  return docs[0];
}

/** A JSON-like value, narrowed for reading: objects are records. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `obj.a.b.c`, or undefined when any step is missing. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let cur: unknown = value;
  for (const key of path) {
    if (typeof key === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[key];
    } else {
      if (!isObject(cur)) return undefined;
      cur = cur[key];
    }
  }
  return cur;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asRecord(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}
