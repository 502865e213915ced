import { join } from 'node:path';
import { asArray, at, isObject, readYaml, readYamlDocuments, type JsonObject } from './repo.js';

/** A Kubernetes object as rendered: apiVersion, kind and metadata.name are checked present. */
export interface K8sObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string };
}

/** Kinds that live outside namespaces (kustomize leaves their namespace alone). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
]);

/** The kustomization fields this renderer applies; any other field fails the render. */
const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'images']);

export interface Rendered {
  readonly objects: readonly K8sObject[];
  readonly resources: readonly string[];
}

/**
 * What `kustomize build <dir>` prints for the subset of kustomize this repository uses
 * (resources, namespace, images), without a kustomize binary.
 */
export function renderKustomization(dir: string): Rendered {
  const k = readYaml(join(dir, 'kustomization.yaml'));
  if (!isObject(k)) throw new Error('kustomization.yaml is not a mapping');
  for (const key of Object.keys(k)) {
    if (!SUPPORTED.has(key))
      throw new Error(`kustomization.yaml: ${key} is not rendered by the tests`);
  }
  if (k['apiVersion'] !== 'kustomize.config.k8s.io/v1beta1' || k['kind'] !== 'Kustomization') {
    throw new Error('kustomization.yaml: not a kustomize.config.k8s.io/v1beta1 Kustomization');
  }
  const namespace = typeof k['namespace'] === 'string' ? k['namespace'] : undefined;
  const images = asArray(k['images']).map((i) => {
    if (!isObject(i) || typeof i['name'] !== 'string')
      throw new Error('images: an entry has no name');
    return i;
  });
  const resources = asArray(k['resources']).map(String);
  const objects: K8sObject[] = [];
  for (const file of resources) {
    for (const doc of readYamlDocuments(join(dir, file))) {
      const obj = checkObject(doc, file);
      if (namespace !== undefined && !CLUSTER_SCOPED.has(obj.kind))
        obj.metadata['namespace'] = namespace;
      for (const container of podContainers(obj)) {
        const image = typeof container['image'] === 'string' ? container['image'] : '';
        const name = image.replace(/[:@].*$/, '');
        const rule = images.find((i) => i['name'] === name);
        if (rule === undefined) continue;
        const newName = typeof rule['newName'] === 'string' ? rule['newName'] : name;
        const tag =
          typeof rule['newTag'] === 'string' ? rule['newTag'] : image.slice(name.length + 1);
        container['image'] = tag === '' ? newName : `${newName}:${tag}`;
      }
      objects.push(obj);
    }
  }
  return { objects, resources };
}

export function checkObject(doc: unknown, file: string): K8sObject {
  if (!isObject(doc)) throw new Error(`${file}: a document is not a mapping`);
  const name = at(doc, 'metadata', 'name');
  if (
    typeof doc['apiVersion'] !== 'string' ||
    typeof doc['kind'] !== 'string' ||
    typeof name !== 'string'
  ) {
    throw new Error(`${file}: an object lacks apiVersion, kind or metadata.name`);
  }
  return doc as K8sObject;
}

/** The pod template's spec of a workload (Deployment, StatefulSet, ...), if it has one. */
export function podSpec(obj: K8sObject): JsonObject | undefined {
  const spec = at(obj, 'spec', 'template', 'spec');
  return isObject(spec) ? spec : undefined;
}

export function podContainers(obj: K8sObject): JsonObject[] {
  const spec = podSpec(obj);
  if (spec === undefined) return [];
  return [...asArray(spec['initContainers']), ...asArray(spec['containers'])].filter(isObject);
}

export function find(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return found;
}

/** Does a label selector's matchLabels (or a Service's selector) select these labels? */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}
