/** The interactive shell in a terminal: prompt, running lines, Ctrl+C, exit. */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pwshCommand } from '../support/pwsh.ts';
import { spawnInPty, type PtyProcess } from '../support/pty.ts';
import { stripAnsi } from './helpers.ts';

const started: PtyProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const p of started.splice(0)) p.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function shell(): { p: PtyProcess; prompt: RegExp } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'pwsh-repl-')));
  dirs.push(dir);
  const { file, args } = pwshCommand();
  const p = spawnInPty(file, [...args, '-NoProfile', '-NoLogo'], { cwd: dir, cols: 120 });
  started.push(p);
  const escaped = dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return { p, prompt: new RegExp(`PS ${escaped}> `) };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('interactive shell', () => {
  it('shows the prompt with the current directory and runs a line', async () => {
    const { p, prompt } = shell();
    await p.waitFor(prompt, 30_000);
    await pause(300);
    p.write('6*7\r');
    const shown = stripAnsi(await p.waitFor(/\r\n42\r\n/));
    expect(shown).toContain('42');
    await p.waitFor(prompt);
    p.write('exit 4\r');
    expect(await p.exited).toBe(4);
  });

  it('Ctrl+C stops a running command, not the shell, which then still answers', async () => {
    const { p, prompt } = shell();
    await p.waitFor(prompt, 30_000);
    await pause(300);
    p.write('while ($true) {}\r');
    await pause(1500);
    p.write('\x03');
    await p.waitFor(prompt, 10_000);
    await pause(300);
    p.write('1+1\r');
    await p.waitFor(/\r\n2\r\n/, 10_000);
    await p.waitFor(prompt);
    p.write('exit\r');
    expect(await p.exited).toBe(0);
  });

  it('keeps variables and functions for the whole session', async () => {
    const { p, prompt } = shell();
    await p.waitFor(prompt, 30_000);
    await pause(300);
    p.write('$n = 5; function Twice($x) { 2 * $x }\r');
    await p.waitFor(prompt);
    await pause(200);
    p.write('Twice $n\r');
    await p.waitFor(/\r\n10\r\n/);
    await p.waitFor(prompt);
    p.write('exit\r');
    expect(await p.exited).toBe(0);
  });
});
