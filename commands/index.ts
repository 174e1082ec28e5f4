import type { Command } from '../src/chat/command.js';
import type { Services } from '../src/services.js';
import { ack, alert, alerts } from './alerts.js';
import { help } from './help.js';
import { logs } from './logs.js';
import { maint } from './maint.js';
import { say } from './say.js';
import { server } from './server.js';
import { servers } from './servers.js';
import { silence, silences, unsilence } from './silences.js';
import { status } from './status.js';
import { ticket, tickets } from './tickets/index.js';
import { whoami } from './whoami.js';

/** Every chat command, in the order `!help` lists them. */
export const commands: readonly Command<Services>[] = [help, server, servers, maint, alerts, alert, ack, silence, silences, unsilence, logs, ticket, tickets, say, status, whoami];
