/** `!ticket` (one ticket and its subcommands) and `!tickets` (lists). */
export { ticket } from './ticket.js';
export { tickets } from './list.js';
