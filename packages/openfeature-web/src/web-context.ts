import type { EvaluationContext } from '@openfeature/web-sdk';
import {
  canonicalKey,
  contextToJson,
  encodeContextBase64Url,
  openFeatureContext,
  type OpenFeatureContextError,
} from '@vexil/protocol';

// The page's OpenFeature context as the edge takes it (docs/protocol.md sections 3 and 4.6):
// mapped to a LaunchDarkly context by the same rules as the edge's OFREP answers, then sent in
// the stream's URL as base64url JSON. The canonical key names the context in storage and is what
// a secure-mode hash signs.

export interface WebContext {
  /** What the application passed; a `hash` function receives it. */
  readonly source: EvaluationContext;
  readonly canonicalKey: string;
  /** base64url(JSON) of the LaunchDarkly context, for the URL. */
  readonly encoded: string;
}

export type WebContextResult =
  | { readonly ok: true; readonly context: WebContext }
  | { readonly ok: false; readonly errorCode: OpenFeatureContextError; readonly message: string };

/** The context to stream for, or what is wrong with it (TARGETING_KEY_MISSING, INVALID_CONTEXT). */
export function webContext(source: EvaluationContext): WebContextResult {
  let json: unknown;
  try {
    // Dates become ISO strings, as OFREP sends them; undefined properties disappear.
    json = JSON.parse(JSON.stringify(source));
  } catch (e) {
    return {
      ok: false,
      errorCode: 'INVALID_CONTEXT',
      message: `the evaluation context is not JSON: ${String(e)}`,
    };
  }
  const mapped = openFeatureContext(json);
  if (!mapped.ok) {
    return {
      ok: false,
      errorCode: mapped.errorCode,
      message: `the evaluation context cannot be sent to the edge: ${mapped.details}`,
    };
  }
  return {
    ok: true,
    context: {
      source,
      canonicalKey: canonicalKey(mapped.context),
      encoded: encodeContextBase64Url(contextToJson(mapped.context)),
    },
  };
}

/** The edge's client-side stream for this context (docs/protocol.md section 4.4). */
export function streamUrl(
  baseUrl: string,
  clientSideId: string,
  context: WebContext,
  hash: string | undefined,
): string {
  const h = hash === undefined ? '' : `&h=${encodeURIComponent(hash)}`;
  return `${baseUrl}/eval/${encodeURIComponent(clientSideId)}/${context.encoded}?withReasons=true${h}`;
}
