/**
 * Delay before reconnect attempt `attempt` (0-based): doubling from `minMs`
 * up to `maxMs`, each drawn between half and all of that, so a restarted
 * server is not hit by every bot at the same instant.
 */
export function reconnectDelay(attempt: number, minMs = 1_000, maxMs = 60_000, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.max(minMs, Math.round(ceiling / 2 + random() * (ceiling / 2)));
}
