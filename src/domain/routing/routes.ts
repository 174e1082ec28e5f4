import { compilePattern, subjectValue, type Pattern, type Subject } from './pattern.js';

/**
 * Routing rules from the config, in order: the first rule that matches
 * decides, unless it says `continue: true`, in which case later rules may add
 * channels. A subject no rule matched goes to the default channels.
 */
export interface RouteRule {
  match?: Record<string, string | string[] | Record<string, string>>;
  to: string[];
  continue?: boolean;
}

interface CompiledRule {
  index: number;
  tests: Array<(s: Subject) => boolean>;
  to: string[];
  continue: boolean;
}

export interface RouteResult {
  channels: string[];
  /** Index of each rule that matched, or 'default'. */
  matched: Array<number | 'default'>;
}

export class Routes {
  private readonly rules: CompiledRule[];

  constructor(rules: readonly RouteRule[], private readonly defaults: readonly string[]) {
    this.rules = rules.map((r, index) => ({ index, to: r.to, continue: r.continue ?? false, tests: compileMatch(r.match ?? {}) }));
  }

  route(s: Subject): RouteResult {
    const channels = new Set<string>();
    const matched: RouteResult['matched'] = [];
    for (const r of this.rules) {
      if (!r.tests.every((t) => t(s))) continue;
      matched.push(r.index);
      for (const c of r.to) channels.add(c);
      if (!r.continue) return { channels: [...channels], matched };
    }
    if (matched.length === 0) {
      matched.push('default');
      for (const c of this.defaults) channels.add(c);
    }
    return { channels: [...channels], matched };
  }
}

/** `labels: {team: ops}` tests labels; a list is any-of; every other key is one pattern. */
function compileMatch(match: NonNullable<RouteRule['match']>): Array<(s: Subject) => boolean> {
  const tests: Array<(s: Subject) => boolean> = [];
  for (const [key, want] of Object.entries(match)) {
    if (key === 'labels' && typeof want === 'object' && !Array.isArray(want)) {
      for (const [label, p] of Object.entries(want)) tests.push(valueTest(label, [compilePattern(p)]));
    } else {
      const patterns = (Array.isArray(want) ? want : [want as string]).map(compilePattern);
      tests.push(valueTest(key, patterns));
    }
  }
  return tests;
}

function valueTest(key: string, patterns: Pattern[]): (s: Subject) => boolean {
  return (s) => {
    const v = subjectValue(s, key);
    return v !== undefined && patterns.some((p) => p(v));
  };
}
