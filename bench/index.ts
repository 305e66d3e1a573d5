/** `npm run bench`: every benchmark, printed as measured in this one run. Nothing here gates CI. */
import { benchColdStart } from './cold-start.ts';
import { benchMemory } from './memory.ts';
import { benchPowerShell } from './powershell.ts';
import { benchSessions } from './sessions.ts';
import { benchWindows } from './windows.ts';

console.log('# SessionTools in PowerShell: cold and warm, against `who`');
await benchPowerShell();
console.log('\n# SessionTools on Linux');
await benchSessions();

console.log('\n# SessionTools on Windows (WTS bindings against the wtsapi32 test double)');
await benchWindows();

console.log('\n# The helper\'s cold start: packaged beside development mode');
await benchColdStart();

console.log('\n# The helper\'s memory');
await benchMemory();
