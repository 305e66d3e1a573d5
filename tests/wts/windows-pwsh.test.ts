/**
 * The Windows build of PowerShell 7.6.9 under wine64 (tests/support/wine-pwsh.ts) as a user meets
 * it: a script on stdin, exit codes, Windows line ends, and at a terminal (tmux) the confirmation
 * prompt of Stop-UserSession answered with N, Y, A, ? and L against the module staged for Windows
 * and the wtsapi32 double built as a Windows DLL.
 *
 * Without Wine, mingw-w64, the .NET SDK or tmux the file is skipped and says why; under CI=true it fails.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeWinePrefix, toWindowsPath } from '../support/wine.ts';
import {
  createWindowsPwshPrefix, prepareWindowsPwshKit, runWindowsPwsh, startWindowsPwshInTerminal, windowsPwshUnavailable,
  type WineTerminal, type WindowsPwshKit,
} from '../support/wine-pwsh.ts';
import { buildDouble, readLog, writeFixture, type FixtureServer } from './support/double.ts';

function tmuxMissing(): string | null {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return null;
  } catch {
    if (process.env.CI === 'true') throw new Error('tmux is missing under CI=true (apt-get install -y tmux)');
    return 'tmux is missing (apt-get install -y tmux)';
  }
}

const unavailable = windowsPwshUnavailable() ?? tmuxMissing();
if (unavailable) console.warn(`Windows PowerShell suite skipped: ${unavailable}`);

describe.skipIf(unavailable !== null)('Windows PowerShell under wine64', () => {
  let kit: WindowsPwshKit;
  let prefix: string;
  let work: string;

  beforeAll(async () => {
    kit = await prepareWindowsPwshKit();
    prefix = await createWindowsPwshPrefix();
    work = mkdtempSync(join(tmpdir(), 'st-wine-pwsh-'));
  }, 20 * 60_000);
  afterAll(async () => {
    if (prefix) expect(await disposeWinePrefix(prefix), 'Wine processes that outlived wineserver -k').toEqual([]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('is PowerShell 7.6.9 on Win32NT: a script on stdin (-Command -) runs, its exit code comes back, lines end in CR LF', async () => {
    const script = [
      '$PSVersionTable.PSVersion.ToString()',
      '$PSVersionTable.Platform',
      '$PSStyle.OutputRendering',
      'Get-ExecutionPolicy',
      '[Environment]::OSVersion.Platform',
      'exit 7',
      '',
    ].join('\n');
    const r = await runWindowsPwsh({ kit, prefix, args: ['-NoProfile', '-NonInteractive', '-Command', '-'], stdin: script, timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('7.6.9\r\nWin32NT\r\nPlainText\r\nRemoteSigned\r\nWin32NT\r\n');
    expect(r.code).toBe(7);
  });

  it('with no terminal and no console of its own, Wine gives the console host nothing: it runs nothing and exits 0', async () => {
    // Why runWindowsPwsh() sets SESSIONTOOLS_WINE_NEW_CONSOLE=1 (tests/windows-pwsh/Program.cs).
    const r = await runWindowsPwsh({ kit, prefix, args: ['-NoProfile', '-NonInteractive', '-Command', "'ran'; exit 7"], env: { SESSIONTOOLS_WINE_NEW_CONSOLE: '0' }, timeoutMs: 120_000 });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: '' });
  });

  describe('at a terminal, Stop-UserSession asks before each log off', () => {
    let dll: string;
    let terminal: WineTerminal | undefined;
    const fixture = (): string => join(work, 'fixture');
    const log = (): string => join(work, 'log');
    const servers = (ids: number[]): FixtureServer[] => [
      { name: '.', sessions: ids.map((id) => ({ id, state: 'Active' as const, winStation: `RDP-Tcp#${id}`, user: `u${id}`, domain: 'CONTOSO', protocol: 2 as const })) },
    ];
    const loggedOff = (): number[] => readLog(log()).flatMap((e) => (e.event === 'logoff' ? [e.session] : []));
    /** What ShouldProcess offers, the console host's own prompt (no PSReadLine in the SDK). */
    const CHOICES = /\[Y\] Yes  \[A\] Yes to All  \[N\] No  \[L\] No to All  \[S\] Suspend  \[\?\] Help \(default is "Y"\):/g;
    /** The confirmation prompt for session `id` (the pane keeps its whole history: count them). */
    const asked = (id: number): RegExp => new RegExp(`Log off" on target "session ${id} \\(CONTOSO\\\\u${id} on RDP-Tcp#${id}\\) on [^"]+"\\.\\s*${CHOICES.source}`);
    /** PowerShell's prompt at the start of a line (the console host's own: no PSReadLine in the SDK). */
    const PROMPT = /^PS [A-Z]:\\[^>\n]*>/m;
    /** Types a line (a command, or the answer to a prompt) and Enter. */
    const enter = (text: string): void => {
      terminal!.type(text);
      terminal!.key('Enter');
    };

    beforeAll(() => {
      dll = buildDouble('windows');
    });
    afterAll(async () => {
      await terminal?.stop();
    });

    it('N, Y, then A logs off the sessions answered yes and every one after A; ? shows the help and asks again; L stops asking and logs off no more', async () => {
      writeFixture(fixture(), servers([1, 2, 3, 4, 5]));
      const psd1 = toWindowsPath(join(kit.stage, 'SessionTools.psd1'));
      terminal = await startWindowsPwshInTerminal({
        kit,
        prefix,
        args: ['-NoLogo', '-NoProfile', '-NoExit', '-Command', `Import-Module '${psd1}'`],
        env: { SESSIONTOOLS_WTSAPI_PATH: toWindowsPath(dll), WTSDOUBLE_FIXTURE: toWindowsPath(fixture()), WTSDOUBLE_LOG: toWindowsPath(log()) },
      });
      const t = terminal;
      await t.waitFor(PROMPT, 1, 120_000);
      enter('Get-UserSession | Stop-UserSession');

      await t.waitFor(asked(1), 1, 60_000);
      enter('N');
      await t.waitFor(asked(2));
      enter('Y');
      await t.waitFor(asked(3));
      enter('?');
      await t.waitFor(/Y - Continue with only the next step of the operation\.[\s\S]*L - Skip this operation and all subsequent operations\.[\s\S]*\(default is "Y"\):\s*$/);
      enter('A');
      await t.waitFor(PROMPT, 2, 60_000);
      // The choices were offered four times: sessions 1, 2, 3, and 3 again after the help.
      expect(t.screen().match(CHOICES)).toHaveLength(4);
      expect(t.screen()).not.toMatch(asked(4));
      expect(loggedOff()).toEqual([2, 3, 4, 5]);

      // Session 1 is left, and two more log on: Y for 1, L for 6, and 7 is never asked.
      writeFixture(fixture(), servers([1, 6, 7]));
      enter('Get-UserSession | Stop-UserSession');
      await t.waitFor(asked(1), 2, 60_000);
      enter('Y');
      await t.waitFor(asked(6));
      enter('L');
      await t.waitFor(PROMPT, 3, 60_000);
      expect(t.screen()).not.toMatch(asked(7));
      expect(loggedOff()).toEqual([2, 3, 4, 5, 1]);

      enter('exit 3');
      const deadline = Date.now() + 60_000;
      while (t.exitCode() === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(t.exitCode()).toBe(3);
    }, 5 * 60_000);
  });
});
