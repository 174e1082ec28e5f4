export const WINDOW_STATUSES = ['scheduled', 'in_progress', 'overdue', 'done', 'cancelled'] as const;
export type WindowStatus = (typeof WINDOW_STATUSES)[number];

export interface MaintenanceWindow {
  id: number;
  title: string;
  /** As typed: `web01,web0[2-4],role:db:master`. */
  targets: string;
  status: WindowStatus;
  starts_at: string;
  ends_at: string;
  started_at: string | null;
  finished_at: string | null;
  owner: string;
  channels: string[];
  schedule_id: number | null;
  lead_announced_at: string | null;
  overdue_announced_at: string | null;
  created_at: string;
}

export interface WindowUpdate {
  id: number;
  at: string;
  actor: string;
  kind: string;
  text: string | null;
}

export interface Schedule {
  id: number;
  title: string;
  targets: string;
  cron: string;
  duration_ms: number;
  owner: string;
  channels: string[];
  next_at: string;
  created_at: string;
  cancelled_at: string | null;
}

export interface NewWindow {
  title: string;
  targets: string;
  starts_at: Date;
  ends_at: Date;
  owner: string;
  channels: string[];
  schedule_id?: number;
}
