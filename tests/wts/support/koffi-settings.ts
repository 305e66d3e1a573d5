/**
 * Run as `node --import tsx tests/wts/support/koffi-settings.ts <library> <computer>` (its own
 * process, so that nothing has loaded a library before the backend, as in the helper): lists
 * `computer` through the WTS backend on the double that WTSDOUBLE_FIXTURE describes, then prints
 * one JSON line: the user names listed and koffi's settings in this thread (koffi.config()).
 */
import koffi from 'koffi';
import { createWtsBackend } from '../../../src/backend/wts/index.ts';

const [library, computer] = process.argv.slice(2) as [string, string];
const backend = createWtsBackend({ libraryPath: library, poolSize: 1, maxNativeCalls: 300 });
const sessions = await backend.list(computer, { includeSystem: false, signal: new AbortController().signal });
process.stdout.write(`${JSON.stringify({ users: sessions.map((s) => s.UserName), config: koffi.config() })}\n`);
await backend.close?.();
