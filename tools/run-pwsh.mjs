#!/usr/bin/env node
// Runs SessionTools' PowerShell for npm scripts (tools/powershell.mjs says which one).
// All arguments are passed on, stdio is shared, and the exit code is passed back.
// Ctrl+C: the terminal sends SIGINT to the whole foreground group, PowerShell included; PowerShell
// decides what it means (stop the running command, keep the shell), so this wrapper ignores it
// and waits for PowerShell to end. Signals sent to this wrapper alone (kill) are passed on.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { pwshPath } from './powershell.mjs';

const file = pwshPath();
const child = spawn(file, process.argv.slice(2), { stdio: 'inherit' });

process.on('SIGINT', () => {
  // The child got the same SIGINT from the terminal; if this one came from `kill -INT <wrapper>`,
  // pass it on so it still reaches PowerShell.
  if (!process.stdin.isTTY) child.kill('SIGINT');
});
for (const sig of ['SIGTERM', 'SIGHUP', 'SIGQUIT']) {
  process.on(sig, () => child.kill(sig));
}

child.on('error', (err) => {
  console.error(`run-pwsh: cannot start ${file}: ${err.message}`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  if (signal) process.exit(128 + (constants.signals[signal] ?? 0));
  process.exit(code ?? 1);
});
