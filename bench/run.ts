import { benchServers } from './servers.js';

/** `npm run bench`: every benchmark, one after the other, figures on stdout. */
console.log(`opsbridge benchmarks — node ${process.version}, ${new Date().toISOString()}\n`);
await benchServers();
