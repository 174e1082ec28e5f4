import { it } from 'vitest';
import { renderPlain } from '../../src/chat/render/plain.js';
import type { RichText } from '../../src/chat/rich-text.js';
import { importServers } from '../../src/domain/servers/import.js';
import { fromGeneric } from '../../src/domain/alerts/sources.js';
import { SAMPLE_CSV, testCore } from '../helpers/core.js';

it('probe', async () => {
  const core = testCore({ timezone: 'Asia/Tokyo', roles: { operator: ['irc:account:bob'] } });
  importServers(core.services.inventory, SAMPLE_CSV, 'csv', { actor: 't', source: 't' });
  const op = { identity: 'irc:account:bob', name: 'bob' };
  const show = async (t: string, u: object = op) => { const r = await core.ask(t, u); console.log(`> ${t}\n${r.ok ? 'OK' : 'ERR'}: ${r.text}`); };
  let seen = 0;
  const out = () => { const rows = core.db.prepare('SELECT channel, body FROM outbox ORDER BY id').all() as { channel: string; body: string }[]; for (const r of rows.slice(seen)) console.log('OUT', core.clock.now().toISOString(), r.channel, renderPlain(JSON.parse(r.body) as RichText)); seen = rows.length; };
  const web01 = core.services.inventory.get('web01')!.id;
  core.clock.set('2026-11-28T11:00:00Z'); // Sat 20:00 JST
  await show('!maint schedule weekly every="0 3 * * 0" for=1h hosts=db*');
  await show('!maint');
  await show('!maint host db12');
  await show('!maint start A hosts=web01 for=1h');
  await show('!server set web01 status=standby cabling', { identity: 'console', name: 'root' });
  await show('!maint start B hosts=web01 for=1h');
  await show('!maint done 1');
  await show('!maint done 2');
  console.log(core.services.inventory.get('web01')!.status);
  out();
  // suppression after status set back to working
  await show('!maint start C hosts=web01,web10 for=1h');
  const ing = (h: string, t: string) => console.log(core.services.alerts.ingest(fromGeneric({ title: t, severity: 'critical', host: h }, { hostLabels: ['host'] })));
  ing('web01', 'one');
  await show('!server set web01 status=working back early', { identity: 'console', name: 'root' });
  ing('web01', 'two');
  ing('web10', 'three');
  ing('web02', 'four');
  await show('!maint done 3');
  out();
  console.log(core.db.prepare('select id, host, name, suppressed, status from alerts').all());
  core.cleanup();
});
