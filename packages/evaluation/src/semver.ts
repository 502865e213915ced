// Semantic versions as LaunchDarkly compares them (docs/evaluation.md, "Operators"; upstream:
// go-semver ParseModeAllowMissingMinorAndPatch): SemVer 2.0 precedence, with a missing minor or
// patch read as 0 ("2" = "2.0.0", "2.0-rc" = "2.0.0-rc"). Build metadata is ignored.

export interface SemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly (string | number)[];
}

const PATTERN =
  /^(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

// Context values are compared against many clauses and flags: remember recent parses.
const MAX_CACHED = 4096;
const cache = new Map<string, SemVer | undefined>();

export function parseSemVer(text: string): SemVer | undefined {
  if (cache.has(text)) return cache.get(text);
  const parsed = parse(text);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(text, parsed);
  return parsed;
}

function parse(text: string): SemVer | undefined {
  const m = PATTERN.exec(text);
  if (m === null) return undefined;
  // A patch without a minor ("2..1") cannot match the pattern, so group 3 implies group 2.
  const prerelease = m[4] === undefined ? [] : m[4].split('.').map(identifier);
  return {
    major: Number(m[1]),
    minor: m[2] === undefined ? 0 : Number(m[2]),
    patch: m[3] === undefined ? 0 : Number(m[3]),
    prerelease,
  };
}

function identifier(part: string): string | number {
  return /^(0|[1-9]\d*)$/.test(part) ? Number(part) : part;
}

export function compareSemVer(a: SemVer, b: SemVer): number {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  const ap = a.prerelease;
  const bp = b.prerelease;
  // A release sorts after any of its pre-releases.
  if (ap.length === 0) return bp.length === 0 ? 0 : 1;
  if (bp.length === 0) return -1;
  for (let i = 0; i < ap.length && i < bp.length; i++) {
    const x = ap[i]!;
    const y = bp[i]!;
    if (x === y) continue;
    const xNum = typeof x === 'number';
    const yNum = typeof y === 'number';
    if (xNum && yNum) return x < y ? -1 : 1;
    if (xNum) return -1;
    if (yNum) return 1;
    return x < y ? -1 : 1;
  }
  return ap.length === bp.length ? 0 : ap.length < bp.length ? -1 : 1;
}
