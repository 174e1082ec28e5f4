import type { Clock } from '../../../clock.js';
import type { Services } from '../../../services.js';
import type { DB } from '../../../store/database.js';
import type { Html } from '../html.js';
import type { Section } from '../layout.js';

/** What every board page gets: the domain services, read-only use only, and the request's query and path parameters. */
export interface BoardContext {
  services: Services;
  db: DB;
  clock: Clock;
  timezone: string;
  query: URLSearchParams;
  params: Record<string, string>;
}

export interface PageResult {
  title: string;
  section: Section | null;
  body: Html;
}

/** A page, or null for "no such thing" (a 404 page naming what was asked for). */
export type PageHandler = (ctx: BoardContext) => PageResult | null;
