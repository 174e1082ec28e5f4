import { channelAddress } from '../../chat/message.js';
import { text } from '../../chat/rich-text.js';
import type { Outbox } from '../../delivery/outbox.js';
import { parseLogLines, type LogService } from '../../domain/logs/service.js';
import { z } from 'zod';
import type { GroupCommit } from '../../store/group-commit.js';
import { validate } from '../../validate.js';
import { jsonBody, jsonItems, withToken } from '../request.js';
import { HttpError, type Router } from '../router.js';

const MAX_LINES = 10_000;

const messageSchema = z.strictObject({
  channel: channelAddress,
  text: z.string().trim().min(1, { error: 'required: the message' }).max(4000, { error: 'longer than 4000 characters' }),
});

/** Log lines and plain messages (token required). */
export function ingestRoutes(router: Router, deps: { logs: LogService; outbox: Outbox; commits: GroupCommit; token: string }): void {
  router.add(
    'POST',
    '/api/v1/logs',
    withToken(deps.token, async (req) => {
      const items = jsonItems(req);
      if (items.length > MAX_LINES) throw new HttpError(400, `at most ${MAX_LINES} lines per request, got ${items.length}`);
      const lines = parseLogLines(items);
      const ids = await deps.commits.submit(() => deps.logs.ingest(lines));
      return { status: 202, body: { accepted: ids.length, ids } };
    }),
  );
  router.add(
    'POST',
    '/api/v1/messages',
    withToken(deps.token, async (req) => {
      const m = validate(messageSchema, jsonBody(req));
      const id = await deps.commits.submit(() => deps.outbox.enqueue({ channel: m.channel, body: text(m.text) }));
      return { status: 202, body: { id, channel: m.channel } };
    }),
  );
}
