import { randomBytes } from 'node:crypto';
import type {
  EnvironmentRecord,
  FilterRecord,
  FlagRecord,
  FlagTargeting,
  NewAuditEntry,
  ProjectRecord,
  SegmentRecord,
  TokenRecord,
} from '@vexil/store';

// Complete records with overridable fields, so each test states only what it is about.

const T0 = 1_700_000_000_000;

export function project(key = 'p', over: Partial<ProjectRecord> = {}): ProjectRecord {
  return { key, name: `Project ${key}`, createdAt: T0, ...over };
}

export function environment(
  projectKey = 'p',
  key = 'prod',
  over: Partial<EnvironmentRecord> = {},
): EnvironmentRecord {
  return {
    id: randomBytes(12).toString('hex'),
    projectKey,
    key,
    name: `Environment ${key}`,
    sdkKey: `sdk-${randomBytes(8).toString('hex')}`,
    mobileKey: `mob-${randomBytes(8).toString('hex')}`,
    secureMode: false,
    seq: 0,
    createdAt: T0,
    ...over,
  };
}

export function targeting(over: Partial<FlagTargeting> = {}): FlagTargeting {
  return {
    on: true,
    offVariation: 1,
    fallthrough: { variation: 0 },
    prerequisites: [],
    targets: [{ values: ['alice'], variation: 0 }],
    contextTargets: [],
    rules: [],
    salt: 'salt',
    clientSideAvailability: { usingMobileKey: false, usingEnvironmentId: true },
    trackEvents: false,
    trackEventsFallthrough: false,
    version: 1,
    ...over,
  };
}

export function flag(projectKey = 'p', key = 'f', over: Partial<FlagRecord> = {}): FlagRecord {
  return {
    projectKey,
    key,
    name: `Flag ${key}`,
    description: '',
    tags: ['t'],
    variations: [{ value: true, name: 'on' }, { value: false }],
    temporary: true,
    archived: false,
    environments: { prod: targeting() },
    version: 1,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

export function filter(
  projectKey = 'p',
  key = 'mobile',
  over: Partial<FilterRecord> = {},
): FilterRecord {
  return {
    projectKey,
    key,
    name: `Filter ${key}`,
    description: '',
    flagKeys: ['f'],
    tags: ['mobile'],
    version: 1,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

export function segment(
  projectKey = 'p',
  environmentKey = 'prod',
  key = 's',
  over: Partial<SegmentRecord> = {},
): SegmentRecord {
  return {
    projectKey,
    environmentKey,
    key,
    name: `Segment ${key}`,
    description: '',
    tags: [],
    included: ['bob'],
    excluded: [],
    includedContexts: [{ contextKind: 'org', values: ['acme'] }],
    excludedContexts: [],
    rules: [],
    salt: 'salt',
    unbounded: false,
    version: 1,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

export function token(id = 'tok1', over: Partial<TokenRecord> = {}): TokenRecord {
  return { id, name: `Token ${id}`, role: 'writer', hash: `hash-${id}`, createdAt: T0, ...over };
}

export function auditEntry(over: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return {
    at: T0,
    actor: 'system',
    action: 'flag.update',
    projectKey: 'p',
    environmentKey: 'prod',
    resourceKind: 'flag',
    resourceKey: 'f',
    before: null,
    after: { on: true },
    ...over,
  };
}

/** A flag item as SDKs see it, or a tombstone. */
export function item(key: string, version: number, deleted = false) {
  return deleted ? { key, version, deleted: true } : { key, version, on: true };
}
