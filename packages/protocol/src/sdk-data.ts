import { validationError } from './errors.js';
import type { Flag } from './flag.js';
import { readFlag } from './parse-flag.js';
import { readSegment } from './parse-segment.js';
import { Invalid, object } from './reader.js';
import type { Result } from './result.js';
import type { Segment } from './segment.js';

/** LaunchDarkly's full data set: the body of `/sdk/latest-all` and of a `put` event. */
export interface SdkData {
  flags: Record<string, Flag>;
  segments: Record<string, Segment>;
}

/**
 * Parses `{"flags": {...}, "segments": {...}}` as an SDK would accept it in a `put`. Each item's
 * key defaults to its map key and must match it when given.
 */
export function parseSdkData(json: unknown): Result<SdkData> {
  try {
    const o = object(json, '');
    const data: SdkData = { flags: {}, segments: {} };
    if (o['flags'] !== undefined && o['flags'] !== null) {
      for (const [key, value] of Object.entries(object(o['flags'], 'flags'))) {
        data.flags[key] = readFlag(value, `flags.${key}`, key);
      }
    }
    if (o['segments'] !== undefined && o['segments'] !== null) {
      for (const [key, value] of Object.entries(object(o['segments'], 'segments'))) {
        data.segments[key] = readSegment(value, `segments.${key}`, key);
      }
    }
    return { ok: true, value: data };
  } catch (e) {
    if (e instanceof Invalid) {
      const code = e.path.startsWith('segments') ? 'INVALID_SEGMENT' : 'INVALID_FLAG';
      return { ok: false, error: validationError(code, e.path, e.problem) };
    }
    throw e;
  }
}
