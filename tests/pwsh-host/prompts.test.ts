/**
 * Confirmation prompts (ShouldProcess -> PromptForChoice) as a person sees them in a terminal, and
 * the NonInteractive rule: with -NonInteractive a prompt fails at once with pwsh's own error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pwshCommand, runPwsh, stopRunningPwsh } from '../support/pwsh.ts';
import { spawnInPty, type PtyProcess } from '../support/pty.ts';
import { removeThingFunction, squash, stripAnsi } from './helpers.ts';

const started: PtyProcess[] = [];
afterEach(() => {
  for (const p of started.splice(0)) p.kill('SIGKILL');
  stopRunningPwsh();
});

const choicePrompt = /\(default is "Y"\): /;
const choiceLine = '[Y] Yes  [A] Yes to All  [N] No  [L] No to All  [S] Suspend  [?] Help (default is "Y"): ';

/** Runs `names | Remove-Thing` in a terminal wide enough for the choice line to stay on one line. */
function removeInTerminal(names: string[]): PtyProcess {
  const { file, args } = pwshCommand();
  const list = names.map((n) => `'${n}'`).join(',');
  const p = spawnInPty(file, [...args, '-NoProfile', '-Command', `${removeThingFunction}\n${list} | Remove-Thing; 'end'`], {
    cols: 200,
    rows: 50,
  });
  started.push(p);
  return p;
}

/** Plain text with "\n" line ends. */
const plain = (s: string) => stripAnsi(s).replace(/\r\n/g, '\n');

function removedOf(output: string): string[] {
  return [...plain(output).matchAll(/^removed (\w+)$/gm)].map((m) => m[1]!);
}

describe('ShouldProcess confirmation in a terminal', () => {
  it('shows the prompt as pwsh does and Y runs the action', async () => {
    const p = removeInTerminal(['a']);
    const shown = plain(await p.waitFor(choicePrompt));
    expect(shown).toContain(
      ['Confirm', 'Are you sure you want to perform this action?', 'Performing the operation "Remove" on target "a".', choiceLine].join('\n'),
    );
    p.write('y\r');
    await p.waitFor(/end/);
    expect(await p.exited).toBe(0);
    expect(removedOf(p.output())).toEqual(['a']);
  });

  it('N skips the action', async () => {
    const p = removeInTerminal(['a']);
    await p.waitFor(choicePrompt);
    p.write('n\r');
    await p.waitFor(/end/);
    expect(await p.exited).toBe(0);
    expect(removedOf(p.output())).toEqual([]);
  });

  it('A (Yes to All) runs every piped item without asking again', async () => {
    const p = removeInTerminal(['a', 'b', 'c']);
    await p.waitFor(choicePrompt);
    p.write('a\r');
    await p.waitFor(/end/);
    expect(await p.exited).toBe(0);
    expect(removedOf(p.output())).toEqual(['a', 'b', 'c']);
    expect(plain(p.output()).match(/Performing the operation/g)).toHaveLength(1);
  });

  it('L (No to All) skips the current and all later items', async () => {
    const p = removeInTerminal(['a', 'b', 'c']);
    await p.waitFor(choicePrompt);
    p.write('y\r');
    const second = plain(await p.waitFor(choicePrompt));
    expect(second).toContain('Performing the operation "Remove" on target "b".');
    p.write('l\r');
    await p.waitFor(/end/);
    expect(await p.exited).toBe(0);
    expect(removedOf(p.output())).toEqual(['a']);
    expect(plain(p.output()).match(/Performing the operation/g)).toHaveLength(2);
  });

  it('? lists the choices, an unknown answer asks again, Enter takes the default', async () => {
    const p = removeInTerminal(['a']);
    await p.waitFor(choicePrompt);
    p.write('?\r');
    const help = plain(await p.waitFor(choicePrompt));
    expect(help).toContain('Y - Continue with only the next step of the operation.');
    expect(help).toContain('L - Skip this operation and all subsequent operations.');
    p.write('maybe\r');
    const again = plain(await p.waitFor(choicePrompt));
    expect(again).toContain(choiceLine);
    expect(again).not.toContain('removed');
    p.write('\r');
    await p.waitFor(/end/);
    expect(removedOf(p.output())).toEqual(['a']);
  });
});

describe('NonInteractive', () => {
  // The time is taken inside PowerShell, around the call, so start-up time does not count.
  const timed = `${removeThingFunction}
$sw = [System.Diagnostics.Stopwatch]::StartNew()
try { 'a' | Remove-Thing -ErrorAction Stop } catch { $caught = $_ }
"elapsed=$($sw.ElapsedMilliseconds)"
"inner=$($caught.Exception.InnerException.GetType().FullName)"
"message=$($caught.Exception.InnerException.Message)"`;

  it('-NonInteractive makes the prompt fail at once with pwsh\'s error', async () => {
    const r = await runPwsh(['-NoProfile', '-NonInteractive', '-Command', timed], { timeoutMs: 30_000 });
    const out = plain(r.stdout);
    expect(out).not.toContain('removed');
    expect(Number(/elapsed=(\d+)/.exec(out)?.[1])).toBeLessThan(1000);
    expect(out).toContain('inner=System.Management.Automation.PSInvalidOperationException');
    expect(out).toContain('message=PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.');
  });

  it('-NonInteractive also fails in a terminal, and the error is shown', async () => {
    const { file, args } = pwshCommand();
    const p = spawnInPty(file, [...args, '-NoProfile', '-NonInteractive', '-Command', `${removeThingFunction}\n'a' | Remove-Thing; 'end'`], {
      cols: 200,
    });
    started.push(p);
    await p.waitFor(/end/);
    expect(squash(p.output())).toContain('PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.');
    expect(removedOf(p.output())).toEqual([]);
  });

  it('with redirected stdin and no -NonInteractive, the prompt does not wait for an answer', async () => {
    const r = await runPwsh(['-NoProfile', '-Command', timed], { input: '', timeoutMs: 30_000 });
    const out = plain(r.stdout);
    expect(out).not.toContain('removed');
    expect(Number(/elapsed=(\d+)/.exec(out)?.[1])).toBeLessThan(1000);
    expect(out).toMatch(/message=\S/);
  });
});
