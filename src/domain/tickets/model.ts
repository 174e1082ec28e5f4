export const TICKET_STATUSES = ['open', 'in_progress', 'resolved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** Most urgent first: lists and the digest sort by this. */
export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Statuses that still need someone: `!tickets` and the digest list these. */
export const ACTIVE_STATUSES: readonly TicketStatus[] = ['open', 'in_progress'];

export function isTicketStatus(s: string): s is TicketStatus {
  return (TICKET_STATUSES as readonly string[]).includes(s);
}

export function isPriority(s: string): s is Priority {
  return (PRIORITIES as readonly string[]).includes(s);
}

export interface Ticket {
  id: number;
  title: string;
  description: string;
  status: TicketStatus;
  priority: Priority;
  reporter: string;
  assignee: string | null;
  channel: string | null;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  /** Names of the related hosts, sorted. */
  hosts: string[];
}

export type TicketEventKind = 'created' | 'comment' | 'status' | 'assign' | 'watch' | 'commit' | 'force_push';

export interface TicketEvent {
  id: number;
  ticket_id: number;
  at: string;
  actor: string;
  kind: TicketEventKind;
  old_value: string | null;
  new_value: string | null;
  body: string | null;
  repo: string | null;
  sha: string | null;
  /** A commit's web page, when known. */
  url: string | null;
}

export interface TicketCommit {
  repo: string;
  sha: string;
  action: 'link' | 'close';
  author: string;
  subject: string;
  url: string | null;
  linked_at: string;
  closed_at: string | null;
}

export interface TicketFilter {
  /** `active` (open and in progress, the default in chat), one status, or all. */
  status?: TicketStatus | 'active' | 'all';
  assignee?: string;
  /** A server id: tickets related to that host. */
  serverId?: number;
  /** Words to find in titles, descriptions, comments and close notes. */
  search?: string;
}
