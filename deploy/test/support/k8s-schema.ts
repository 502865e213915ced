import ts from 'typescript';
import { join } from 'node:path';
import { deployDir } from './repo.js';
import type { K8sObject } from './kustomize.js';

// Schema checks of Kubernetes objects, offline, with the OpenAPI schemas that the
// kubernetes-models packages carry: (1) each model's validate() (the API server's schema:
// types, required fields, formats, enums) and (2) TypeScript's excess-property check against
// the same models' interfaces, which catches misspelt or misplaced fields (`readinesProbe`,
// `ports` under the pod spec) that the JSON schemas let through.

interface ModelRef {
  /** Module path, e.g. kubernetes-models/apps/v1/Deployment. */
  readonly module: string;
  /** Exported class name (also `I${name}` for its interface). */
  readonly name: string;
}

export function modelFor(obj: Pick<K8sObject, 'apiVersion' | 'kind'>): ModelRef {
  const [group, version] = obj.apiVersion.includes('/')
    ? obj.apiVersion.split('/')
    : ['', obj.apiVersion];
  if (group === 'monitoring.coreos.com') {
    return {
      module: `@kubernetes-models/prometheus-operator/${group}/${version}/${obj.kind}`,
      name: obj.kind,
    };
  }
  const path = group === '' ? version : `${group}/${version}`;
  return { module: `kubernetes-models/${path}/${obj.kind}`, name: obj.kind };
}

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

/** Runs the model's validate(); resolves to an error message, or undefined when valid. */
export async function validateWithModel(obj: K8sObject): Promise<string | undefined> {
  const ref = modelFor(obj);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(ref.module)) as Record<string, unknown>;
  } catch (e) {
    return `no schema for ${obj.apiVersion} ${obj.kind} (${ref.module}): ${(e as Error).message}`;
  }
  const Model = mod[ref.name] as ModelClass | undefined;
  if (typeof Model !== 'function') return `${ref.module} exports no ${ref.name}`;
  try {
    new Model(obj).validate();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Type-checks every object as an object literal of its model's interface; returns one message
 * per diagnostic, naming the object.
 */
export function typeCheckObjects(objects: readonly { label: string; obj: K8sObject }[]): string[] {
  // The virtual file sits in deploy/, so that module resolution finds deploy's node_modules.
  const file = join(deployDir, 'test', '__manifests__.ts');
  const lines: string[] = [];
  const imports = new Map<string, string>();
  objects.forEach(({ obj }, n) => {
    const ref = modelFor(obj);
    let alias = imports.get(ref.module);
    if (alias === undefined) {
      alias = `M${imports.size}`;
      imports.set(ref.module, alias);
    }
    lines.push(`export const o${n}: ${alias}.I${ref.name} = ${JSON.stringify(obj)};`);
  });
  const source = [
    ...[...imports].map(([module, alias]) => `import type * as ${alias} from '${module}';`),
    ...lines,
  ].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) =>
    name === file
      ? ts.createSourceFile(name, source, languageVersion, true)
      : getSourceFile(name, languageVersion, onError, shouldCreate);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === file ? source : readFile(name));
  const program = ts.createProgram([file], options, host);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  return diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file?.fileName !== file || d.start === undefined) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const index = line - imports.size;
    const label = objects[index]?.label ?? `line ${line + 1}`;
    return `${label}: ${text}`;
  });
}
