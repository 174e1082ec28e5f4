import type { Clock } from '../../../clock.js';
import type { FleetView } from '../../../domain/board/fleet-view.js';
import type { Services } from '../../../services.js';
import type { Html } from '../html.js';
import type { Section } from '../layout.js';

/** What every board page gets: the domain services and read models, read-only use only, and the request's query and path parameters. */
export interface BoardContext {
  services: Services;
  /** The fleet's aggregate reads, for the front page. */
  fleet: FleetView;
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

/** A page, or null for "no such thing" (a 404 page naming what was asked for). Reads the store, so it resolves later. */
export type PageHandler = (ctx: BoardContext) => Promise<PageResult | null>;
