import type { DB } from '../../store/database.js';
import type { Router } from '../router.js';

export function healthRoutes(router: Router, db: DB): void {
  router.add('GET', '/healthz', () => {
    try {
      db.prepare('SELECT 1').get();
      return { status: 200, body: { status: 'ok' } };
    } catch (err) {
      return { status: 503, body: { status: 'error', error: `database: ${(err as Error).message}` } };
    }
  });
}
