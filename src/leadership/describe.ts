import type { ClusterStatus } from './cluster.js';

/** `web-a leads since 2026-12-07 10:02 UTC (epoch 7); this is web-a, on PostgreSQL; 2 failovers here`. */
export function describeCluster(s: ClusterStatus, engine: 'sqlite' | 'postgres', timeZone: string): string {
  const when = (iso: string) =>
    new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(new Date(iso));
  const store = engine === 'postgres' ? 'PostgreSQL (shared by the pair)' : 'SQLite (one node)';
  const leader = s.leader
    ? s.leader.live
      ? `${s.leader.node} leads since ${when(s.leader.since)} (epoch ${s.leader.epoch})`
      : `no node leads: ${s.leader.node}'s lease (epoch ${s.leader.epoch}) has expired`
    : 'no node has led yet';
  const self = s.self ? `; this is ${s.self.node} (${s.self.role})` : '';
  const took = s.takeovers > 0 ? `; took over ${s.takeovers} time${s.takeovers === 1 ? '' : 's'}` : '';
  return `${leader}${self}, on ${store}${took}`;
}
