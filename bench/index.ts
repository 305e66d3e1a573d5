/** `npm run bench`: every benchmark, printed as measured in this one run. Nothing here gates CI. */
import { benchEngine } from './engine.ts';
import { benchSessions } from './sessions.ts';
import { benchWindows } from './windows.ts';

console.log('# PowerShell engine');
await benchEngine();
console.log('\n# SessionTools on Linux');
await benchSessions();

console.log('\n# SessionTools on Windows (WTS bindings against the wtsapi32 test double)');
await benchWindows();
