import { existsSync, readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { FatalError } from '../errors.js';
import { configSchema, type Config } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'opsbridge.yaml';
/** Exit code for a config the bot cannot run with. */
export const CONFIG_EXIT_CODE = 2;

export interface LoadedConfig {
  config: Config;
  /** The file it came from, or null when running on embedded defaults. */
  file: string | null;
}

/**
 * Reads the config. With no path and no ./opsbridge.yaml the bot runs on the
 * embedded defaults; a path that was asked for must exist.
 */
export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const file = path ?? DEFAULT_CONFIG_FILE;
  if (!existsSync(file)) {
    if (path !== undefined) throw new FatalError(`config file ${file} not found`, CONFIG_EXIT_CODE);
    return { config: parseConfig({}, env), file: null };
  }
  const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => `${file}: ${e.message.split('\n')[0]}`);
    throw new FatalError(lines.join('\n'), CONFIG_EXIT_CODE);
  }
  const raw: unknown = doc.toJS() ?? {};
  return { config: parseConfig(raw, env, file), file };
}

/** Validates an already-parsed document; throws one line per problem, each naming the key path. */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env, file?: string): Config {
  const problems: string[] = [];
  const interpolated = interpolateEnv(raw, env, [], problems);
  // Like Grafana's GF_DATABASE_URL: the environment names the shared store
  // without a secret in the config file.
  const databaseUrl = env.OPSBRIDGE_DATABASE_URL;
  if (databaseUrl && interpolated && typeof interpolated === 'object' && !Array.isArray(interpolated)) {
    (interpolated as Record<string, unknown>).database = databaseUrl;
  }
  const result = configSchema.safeParse(interpolated, { reportInput: true });
  if (!result.success) {
    // A key whose variable is unset already has its line: the schema's
    // complaint about the resulting empty string would be a second one.
    const reported = new Set(problems.map((p) => p.slice(0, p.indexOf(': '))));
    problems.push(...result.error.issues.filter((i) => !reported.has(keyPath(i.path))).flatMap(describeIssue));
  }
  if (problems.length > 0) {
    const where = file ? `${file}: ` : '';
    throw new FatalError(problems.map((p) => where + p).join('\n'), CONFIG_EXIT_CODE);
  }
  return result.data!;
}

/**
 * Replaces ${VAR} and ${VAR:-default} in every string value, so secrets stay
 * in the environment. `$${` writes a literal `${`. Done after YAML parsing so
 * a problem can name the key it sits under.
 */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, path: (string | number)[], problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (whole, escaped: string, name: string, fallback?: string) => {
      if (escaped) return whole.slice(1);
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      problems.push(`${keyPath(path)}: environment variable ${name} is not set (use \${${name}:-default} for a fallback)`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, [...path, i], problems));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, [...path, k], problems)]),
    );
  }
  return value;
}

function keyPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : (i > 0 ? '.' : '') + String(p))).join('');
}

/** Keys whose values must not be echoed back, even when wrong. */
const SECRET_KEY = /token|password|secret|key$/i;

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const at = keyPath(issue.path);
  if (SECRET_KEY.test(String(issue.path.at(-1) ?? '')) && issue.code !== 'unrecognized_keys') {
    return [`${at}: ${issue.input === undefined ? 'required' : issue.message}`];
  }
  // A database URL may carry a password: say what is wrong with it without echoing it.
  if (at === 'database' && issue.code === 'custom') return [`${at}: ${issue.message}`];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => `${keyPath([...issue.path, k])}: unknown key`);
    case 'invalid_type':
      if (issue.input === undefined) return [`${at}: required`];
      return [`${at}: expected ${article(issue.expected)}, got ${show(issue.input)}`];
    case 'invalid_value':
      return [`${at}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${show(issue.input)}`];
    default:
      return [`${at}: ${issue.message}${issue.input !== undefined && typeof issue.input !== 'object' ? `, got ${show(issue.input)}` : ''}`];
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function show(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}
