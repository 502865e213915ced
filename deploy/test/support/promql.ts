// A small PromQL reader for the tests: enough to check that an expression is well formed in the
// ways a typo breaks it (brackets, known functions, matchers) and to list the series it selects
// with their label matchers. promtool, where installed, is the authority on the full grammar.

export interface Matcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

export interface Selector {
  readonly metric: string;
  readonly matchers: readonly Matcher[];
  /** The range, e.g. `5m`, when the selector is a range vector. */
  readonly range?: string;
}

export interface Analysis {
  readonly selectors: readonly Selector[];
  readonly functions: readonly string[];
  /** Labels named in by/without/on/ignoring/group_left/group_right clauses. */
  readonly groupingLabels: readonly string[];
}

const FUNCTIONS = new Set(
  (
    'abs absent absent_over_time avg_over_time ceil changes clamp clamp_max clamp_min ' +
    'count_over_time day_of_month day_of_week delta deriv exp floor histogram_quantile ' +
    'holt_winters hour idelta increase irate label_join label_replace last_over_time ln log10 ' +
    'log2 max_over_time min_over_time minute month predict_linear present_over_time ' +
    'quantile_over_time rate resets round scalar sgn sort sort_desc sqrt stddev_over_time ' +
    'stdvar_over_time sum_over_time time timestamp vector year'
  ).split(' '),
);
const AGGREGATIONS = new Set(
  'sum min max avg group stddev stdvar count count_values bottomk topk quantile'.split(' '),
);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset']);
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'duration'; text: string }
  | { kind: 'punct'; text: string };

const DURATION = /^(\d+(ms|[smhdwy]))+/;

export function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const rest = expr.slice(i);
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      const nl = expr.indexOf('\n', i);
      i = nl === -1 ? expr.length : nl;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      let text = '';
      while (j < expr.length && expr[j] !== c) {
        if (expr[j] === '\\' && c !== '`') j++;
        text += expr[j] ?? '';
        j++;
      }
      if (j >= expr.length) throw new Error(`unterminated string at ${i}: ${rest.slice(0, 20)}`);
      tokens.push({ kind: 'string', text });
      i = j + 1;
    } else if (/[a-zA-Z_:]/.test(c)) {
      const m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rest)!;
      tokens.push({ kind: 'ident', text: m[0] });
      i += m[0].length;
    } else if (/[0-9.]/.test(c)) {
      const d = DURATION.exec(rest);
      if (d !== null && !/^[0-9.]*[eE]/.test(rest)) {
        tokens.push({ kind: 'duration', text: d[0] });
        i += d[0].length;
      } else {
        const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(rest);
        if (m === null) throw new Error(`bad number at ${i}: ${rest.slice(0, 20)}`);
        tokens.push({ kind: 'number', text: m[0] });
        i += m[0].length;
      }
    } else {
      const m = /^(==|!=|<=|>=|=~|!~|[-+*/%^<>=(){}[\],:])/.exec(rest);
      if (m === null) throw new Error(`unexpected character ${JSON.stringify(c)} at ${i}`);
      tokens.push({ kind: 'punct', text: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

/** Brackets balance and nest: ( ), [ ], { }. */
function checkBrackets(tokens: readonly Token[]): void {
  const open: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const t of tokens) {
    if (t.kind !== 'punct') continue;
    if (t.text === '(' || t.text === '[' || t.text === '{') open.push(t.text);
    const want = pairs[t.text];
    if (want !== undefined && open.pop() !== want) throw new Error(`unbalanced ${t.text}`);
  }
  if (open.length > 0) throw new Error(`unclosed ${open.join('')}`);
}

/** Reads an expression: throws on malformed ones, else lists what it selects. */
export function analyze(expr: string): Analysis {
  const tokens = tokenize(expr);
  if (tokens.length === 0) throw new Error('empty expression');
  checkBrackets(tokens);
  const selectors: Selector[] = [];
  const functions: string[] = [];
  const groupingLabels: string[] = [];
  let i = 0;
  const peek = (k = 0) => tokens[i + k];
  const isPunct = (t: Token | undefined, text: string) => t?.kind === 'punct' && t.text === text;

  const readLabelList = (): void => {
    if (!isPunct(peek(), '(')) throw new Error('expected ( after a grouping keyword');
    i++;
    while (!isPunct(peek(), ')')) {
      const t = peek();
      if (t?.kind !== 'ident') throw new Error(`expected a label name, got ${t?.text ?? 'end'}`);
      groupingLabels.push(t.text);
      i++;
      if (isPunct(peek(), ',')) i++;
    }
    i++;
  };

  const readMatchers = (): Matcher[] => {
    const out: Matcher[] = [];
    i++; // {
    while (!isPunct(peek(), '}')) {
      const label = peek();
      const op = peek(1);
      const value = peek(2);
      if (label?.kind !== 'ident' || op?.kind !== 'punct' || value?.kind !== 'string') {
        throw new Error(`malformed label matcher near ${label?.text ?? 'end'}`);
      }
      if (!['=', '!=', '=~', '!~'].includes(op.text)) throw new Error(`bad matcher op ${op.text}`);
      out.push({ label: label.text, op: op.text as Matcher['op'], value: value.text });
      i += 3;
      if (isPunct(peek(), ',')) i++;
      else if (!isPunct(peek(), '}')) throw new Error(`expected , or } after ${label.text}`);
    }
    i++; // }
    return out;
  };

  const readRange = (): string | undefined => {
    if (!isPunct(peek(), '[')) return undefined;
    const d = peek(1);
    if (d?.kind !== 'duration')
      throw new Error(`expected a duration in [ ], got ${d?.text ?? 'end'}`);
    let text = d.text;
    i += 2;
    if (isPunct(peek(), ':')) {
      // a subquery [range:step]
      i++;
      if (peek()?.kind === 'duration') i++;
      text += ':';
    }
    if (!isPunct(peek(), ']')) throw new Error('expected ]');
    i++;
    return text;
  };

  while (i < tokens.length) {
    const t = tokens[i]!;
    if (t.kind === 'ident' && GROUPING.has(t.text)) {
      i++;
      // group_left / group_right may stand without a label list
      if (isPunct(peek(), '(')) readLabelList();
    } else if (t.kind === 'ident' && KEYWORDS.has(t.text)) {
      i++;
      if (t.text === 'offset' && peek()?.kind === 'duration') i++;
    } else if (t.kind === 'ident' && isPunct(peek(1), '(')) {
      if (!FUNCTIONS.has(t.text) && !AGGREGATIONS.has(t.text)) {
        throw new Error(`unknown function ${t.text}`);
      }
      functions.push(t.text);
      i++;
    } else if (t.kind === 'ident' && AGGREGATIONS.has(t.text) && peek(1)?.kind === 'ident') {
      // `sum by (x) (...)`: the aggregation's clause comes first
      functions.push(t.text);
      i++;
    } else if (
      t.kind === 'ident' &&
      (t.text === 'inf' || t.text === 'nan' || t.text === 'Inf' || t.text === 'NaN')
    ) {
      i++;
    } else if (t.kind === 'ident') {
      i++;
      const matchers = isPunct(peek(), '{') ? readMatchers() : [];
      const range = readRange();
      selectors.push(
        range === undefined ? { metric: t.text, matchers } : { metric: t.text, matchers, range },
      );
    } else if (isPunct(t, '{')) {
      throw new Error('a selector without a metric name');
    } else if (isPunct(t, '[')) {
      // a range or subquery after a parenthesised expression
      readRange();
    } else {
      i++;
    }
  }
  return { selectors, functions, groupingLabels };
}
