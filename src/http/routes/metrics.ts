import type { Metrics } from '../../metrics.js';
import type { Router } from '../router.js';

/** Prometheus scrapes this; read-only, like /healthz. */
export function metricsRoutes(router: Router, metrics: Metrics): void {
  router.add('GET', '/metrics', async () => {
    const { contentType, body } = await metrics.render();
    return { status: 200, body, headers: { 'content-type': contentType } };
  });
}
