/** `npm run bench`: every benchmark, printed as measured in this one run. Nothing here gates CI. */
import { benchEngine } from './engine.ts';
import { benchSessions } from './sessions.ts';

console.log('# PowerShell engine');
await benchEngine();
console.log('\n# SessionTools on Linux');
await benchSessions();
