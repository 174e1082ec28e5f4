export const STATUSES = ['working', 'standby', 'maintenance', 'poweroff', 'retired'] as const;
export type ServerStatus = (typeof STATUSES)[number];

export function isStatus(s: string): s is ServerStatus {
  return (STATUSES as readonly string[]).includes(s);
}

/** Import and export columns, in order (shared/DESIGN.md, "User-facing names"). */
export const COLUMNS = ['name', 'fqdn', 'ips', 'roles', 'service', 'dc', 'rack', 'status', 'cpu', 'memory_gb', 'model', 'os', 'tags', 'notes'] as const;
export type Column = (typeof COLUMNS)[number];
/** Columns that hold several values: space-separated in CSV, arrays in JSON. */
export const LIST_COLUMNS = ['ips', 'roles', 'tags'] as const;

export interface ServerFields {
  fqdn: string | null;
  ips: string[];
  roles: string[];
  service: string | null;
  dc: string | null;
  rack: string | null;
  status: ServerStatus;
  cpu: number | null;
  memory_gb: number | null;
  model: string | null;
  os: string | null;
  tags: string[];
  notes: string | null;
}

export interface Server extends ServerFields {
  id: number;
  name: string;
  created_at: string;
  updated_at: string;
}

/**
 * One imported row: the name plus the columns the file has. A column the file
 * does not have leaves that field alone; a column present but empty clears it.
 */
export type ServerInput = { name: string } & Partial<ServerFields>;

export interface StatusChange {
  at: string;
  actor: string;
  from_status: ServerStatus | null;
  to_status: ServerStatus;
  reason: string | null;
  maintenance_id: number | null;
}

export interface ServerFilter {
  role?: string;
  status?: string;
  dc?: string;
  service?: string;
  tag?: string;
  /** Glob over names: `web*`. */
  name?: string;
}
export const FILTER_KEYS = ['role', 'status', 'dc', 'service', 'tag', 'name'] as const;
