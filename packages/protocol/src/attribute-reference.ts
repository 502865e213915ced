// Attribute references (docs/protocol.md section 3; upstream: go-sdk-common ldattr/ref.go).
// `/a/b` addresses property `b` of attribute `a`; `~1` escapes `/` and `~0` escapes `~`.
// A string without a leading slash is one literal attribute name.

export interface AttributeReference {
  /** The text as written in the flag, context or configuration. */
  readonly text: string;
  /** Path components: the attribute name, then nested property names. Empty when invalid. */
  readonly components: readonly string[];
  /** Why the reference is unusable, when it is. */
  readonly error?: string;
}

export function parseAttributeReference(text: string): AttributeReference {
  if (text === '') return { text, components: [], error: 'empty attribute reference' };
  if (text[0] !== '/') return { text, components: [text] };
  if (text.length === 1)
    return { text, components: [], error: 'attribute reference "/" names nothing' };
  const parts = text.slice(1).split('/');
  const components: string[] = [];
  for (const part of parts) {
    if (part === '') {
      return {
        text,
        components: [],
        error: `attribute reference "${text}" has an empty component`,
      };
    }
    const unescaped = unescapeComponent(part);
    if (unescaped === undefined) {
      return {
        text,
        components: [],
        error: `attribute reference "${text}" has an invalid escape (use ~0 for ~ and ~1 for /)`,
      };
    }
    components.push(unescaped);
  }
  return { text, components };
}

/** A reference that is always the literal attribute name (old-style data, no `/` syntax). */
export function literalAttributeReference(name: string): AttributeReference {
  if (name === '') return { text: name, components: [], error: 'empty attribute name' };
  return { text: name, components: [name] };
}

function unescapeComponent(part: string): string | undefined {
  if (!part.includes('~')) return part;
  let out = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i];
    if (c !== '~') {
      out += c;
      continue;
    }
    const next = part[++i];
    if (next === '0') out += '~';
    else if (next === '1') out += '/';
    else return undefined;
  }
  return out;
}
