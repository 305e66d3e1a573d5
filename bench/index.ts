/** `npm run bench`: every benchmark, printed as measured in this one run. Nothing here gates CI. */
import { benchPowerShell } from './powershell.ts';
import { benchSessions } from './sessions.ts';
import { benchWindows } from './windows.ts';

console.log('# SessionTools in PowerShell: cold and warm, against `who`');
await benchPowerShell();
console.log('\n# SessionTools on Linux');
await benchSessions();

console.log('\n# SessionTools on Windows (WTS bindings against the wtsapi32 test double)');
await benchWindows();
