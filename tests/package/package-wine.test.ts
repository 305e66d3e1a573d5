/**
 * The release package on Windows, without Windows (tools/package.ts): what the .nupkg carries for
 * win-x64 (a PE x64 node.exe, koffi's win32-x64 binary, every file its manifest names), SHA256SUMS,
 * and the package installed by Install-PSResource in the Windows build of pwsh 7.6.9 under wine64
 * (tests/support/wine-pwsh.ts), with node.exe nowhere but inside the package: Import-Module by
 * name, Test-ModuleManifest, Get-UserSession and the mission line with -Force against the wtsapi32
 * double built as a Windows DLL. The test-time pwsh.exe has no PSResourceGet of its own; the one
 * the pinned PowerShell tool ships for Windows (its win/Modules) is imported by path.
 * The Linux half is tests/package/Package.Tests.ps1. Heavy (Wine): one PowerShell run does it all.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinnedPwshVersion } from '../../tools/powershell.mjs';
import { DIST, VERSION, artifactNames, packageRelease, type Artifact } from '../../tools/package.ts';
import { PLATFORMS } from '../../tools/package-platforms.ts';
import { npmPackage } from '../../tools/stage-windows.ts';
import { disposeWinePrefix, toWindowsPath } from '../support/wine.ts';
import { createWindowsPwshPrefix, prepareWindowsPwshKit, runWindowsPwsh, windowsPwshUnavailable, type WindowsPwshKit } from '../support/wine-pwsh.ts';
import { buildDouble, readLog, toFileTime, writeFixture } from '../wts/support/double.ts';

/** IMAGE_FILE_MACHINE_* of a PE file, or null when it is no PE file. */
function peMachine(path: string): number | null {
  const b = readFileSync(path);
  if (b.length < 0x40 || b.toString('latin1', 0, 2) !== 'MZ') return null;
  const pe = b.readUInt32LE(0x3c);
  if (b.toString('latin1', pe, pe + 4) !== 'PE\0\0') return null;
  return b.readUInt16LE(pe + 4);
}
const AMD64 = 0x8664;

/** A FILETIME `minutes` ago. */
const ago = (minutes: number): bigint => toFileTime(new Date(Date.now() - minutes * 60_000));

let artifacts: Artifact[];
let work: string;
/** The .nupkg unpacked (a zip). */
let nupkg: string;

beforeAll(async () => {
  ({ artifacts } = await packageRelease({ ifStale: true }));
  work = mkdtempSync(join(tmpdir(), 'st-package-wine-'));
  nupkg = join(work, 'nupkg');
  execFileSync('unzip', ['-q', join(DIST, artifactNames.nupkg), '-d', nupkg]);
}, 10 * 60_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the .nupkg and the archives', () => {
  it('carry for win-x64 a PE x64 node.exe and koffi\'s win32-x64 binary beside the helper', async () => {
    const bin = join(nupkg, 'bin', 'win-x64');
    expect(peMachine(join(bin, 'node.exe'))).toBe(AMD64);
    const koffi = readdirSync(bin).filter((f) => /^koffi-.*\.node$/.test(f));
    expect(koffi).toHaveLength(1);
    expect(peMachine(join(bin, koffi[0]!))).toBe(AMD64);
    const win = PLATFORMS.find((p) => p.rid === 'win-x64')!;
    expect(readFileSync(join(bin, koffi[0]!)).equals(readFileSync(join(await npmPackage(win.koffi.name, win.koffi.version), win.koffi.binary)))).toBe(true);
    expect(readFileSync(join(bin, 'helper.mjs'), 'utf8')).toContain(JSON.stringify(VERSION));
  });

  it('name the version of package.json in the manifest and in every file name, and SHA256SUMS holds each one\'s hash', () => {
    expect(readFileSync(join(nupkg, 'SessionTools.psd1'), 'utf8')).toContain(`ModuleVersion = '${VERSION}'`);
    expect(readFileSync(join(nupkg, 'SessionTools.nuspec'), 'utf8')).toContain(`<version>${VERSION}</version>`);
    const sums = readFileSync(join(DIST, 'SHA256SUMS'), 'utf8');
    const names = [artifactNames.nupkg, ...PLATFORMS.map(artifactNames.archive)];
    expect(artifacts.map((a) => a.name)).toEqual(names);
    for (const name of names) {
      expect(name).toContain(VERSION);
      const hash = createHash('sha256').update(readFileSync(join(DIST, name))).digest('hex');
      expect(sums).toContain(`${hash}  ${name}\n`);
    }
    expect(sums.trim().split('\n')).toHaveLength(names.length);
  });

  it('the win-x64 zip carries SessionTools/<version>/ with the Windows helper only', () => {
    const list = execFileSync('unzip', ['-Z1', join(DIST, artifactNames.archive(PLATFORMS.find((p) => p.rid === 'win-x64')!))], { encoding: 'utf8' }).split('\n');
    expect(list).toContain(`SessionTools/${VERSION}/SessionTools.psd1`);
    expect(list).toContain(`SessionTools/${VERSION}/bin/win-x64/node.exe`);
    expect(list.filter((f) => f.includes('/bin/linux-'))).toEqual([]);
  });
});

const unavailable = windowsPwshUnavailable();
if (unavailable) console.warn(`Windows package suite skipped: ${unavailable}`);

describe.skipIf(unavailable !== null)('the package in Windows PowerShell 7.6.9 under wine64', () => {
  let kit: WindowsPwshKit;
  let prefix: string;
  let dll: string;

  beforeAll(async () => {
    [kit, prefix] = await Promise.all([prepareWindowsPwshKit(), createWindowsPwshPrefix()]);
    dll = buildDouble('windows');
  }, 20 * 60_000);
  afterAll(async () => {
    if (prefix) expect(await disposeWinePrefix(prefix), 'Wine processes that outlived wineserver -k').toEqual([]);
  });

  it('Install-PSResource installs it; Import-Module by name; Test-ModuleManifest passes; the mission line with -Force logs off exactly the idle sessions; the helper is the package\'s bin\\win-x64\\node.exe (without it: HelperNotFound)', async () => {
    const psResourceGet = join(homedir(), '.nuget', 'packages', 'powershell', pinnedPwshVersion(), 'tools', 'net10.0', 'any', 'win', 'Modules', 'Microsoft.PowerShell.PSResourceGet');
    expect(existsSync(psResourceGet), `${psResourceGet} (the PowerShell tool's PSResourceGet for Windows)`).toBe(true);
    const repo = join(work, 'repo');
    mkdirSync(repo, { recursive: true });
    const fixture = join(work, 'fixture');
    const log = join(work, 'log');
    writeFixture(fixture, [
      {
        name: '.',
        sessions: [
          { id: 1, state: 'Active', winStation: 'Console', user: 'admin', domain: 'CONTOSO', lastInput: ago(5), protocol: 0 },
          { id: 2, state: 'Active', winStation: 'RDP-Tcp#1', user: 'idle1', domain: 'CONTOSO', lastInput: ago(45), protocol: 2 },
          { id: 3, state: 'Active', winStation: 'RDP-Tcp#2', user: 'idle2', domain: 'CONTOSO', lastInput: ago(90), protocol: 2 },
          { id: 4, state: 'Active', winStation: 'RDP-Tcp#3', user: 'busy', domain: 'CONTOSO', lastInput: ago(10), protocol: 2 },
        ],
      },
    ]);
    const script = [
      "$ErrorActionPreference = 'Stop'",
      `Import-Module '${toWindowsPath(psResourceGet)}'`,
      `Register-PSResourceRepository -Name StLocal -Uri '${toWindowsPath(repo)}' -Trusted`,
      `Publish-PSResource -NupkgPath '${toWindowsPath(join(DIST, artifactNames.nupkg))}' -Repository StLocal`,
      // AllUsers: the prefix's own Program Files (its Documents is a link to this machine's HOME).
      'Install-PSResource -Name SessionTools -Repository StLocal -Scope AllUsers -TrustRepository',
      '$nodes = @(Get-Command node, node.exe -ErrorAction Ignore).Count',
      '$m = Import-Module SessionTools -PassThru',
      '$manifest = Test-ModuleManifest (Join-Path $m.ModuleBase SessionTools.psd1)',
      '$data = Import-PowerShellDataFile (Join-Path $m.ModuleBase SessionTools.psd1)',
      '$missing = @(@($data.RootModule) + $data.RequiredAssemblies + $data.FormatsToProcess + $data.TypesToProcess | Where-Object { -not (Test-Path -LiteralPath (Join-Path $m.ModuleBase $_)) })',
      // The elevated check's Windows half, run by hand: Wine gives every program an elevated
      // administrator's token and makes each file's owner its Unix owner's SID, so the module leaves
      // the check out under Wine (HelperLocation.cs); what it reads here is what it would refuse.
      "$access = [SessionTools.Rpc.HelperClient].Assembly.GetType('SessionTools.Rpc.WindowsAccess', $true)",
      "$static = [Reflection.BindingFlags]'NonPublic, Public, Static'",
      "$check = @{ Wine = $access.GetMethod('IsWine', $static).Invoke($null, @()); Elevated = $access.GetMethod('IsElevated', $static).Invoke($null, @()); Node = $access.GetMethod('WritableByOthers', $static).Invoke($null, [object[]] @([string] (Join-Path $m.ModuleBase 'bin\\win-x64\\node.exe'))); User = [Security.Principal.WindowsIdentity]::GetCurrent().User.Value }",
      '$before = @(Get-UserSession | ForEach-Object SessionId)',
      'Get-UserSession | Where Idle -gt 30m | Stop-UserSession -Force -ErrorAction Stop',
      '$after = @(Get-UserSession | ForEach-Object SessionId)',
      // Which node.exe ran: without the package's own, the module finds none (no other is used).
      'Remove-Module SessionTools',
      "Rename-Item -LiteralPath (Join-Path $m.ModuleBase 'bin\\win-x64\\node.exe') -NewName node.exe.off",
      'Import-Module SessionTools',
      "try { $null = Get-UserSession -ErrorAction Stop; $without = 'answered' } catch { $without = $_.FullyQualifiedErrorId + ' ' + $_.Exception.Message }",
      '@{ Nodes = $nodes; Base = $m.ModuleBase; Version = [string] $manifest.Version; Missing = $missing; Before = $before; After = $after; Without = $without; Check = $check } | ConvertTo-Json -Compress',
      '',
    ].join('\n');
    // A file, not stdin: -File stops at the first error ($ErrorActionPreference), -Command - goes on.
    const ps1 = join(work, 'install.ps1');
    writeFileSync(ps1, script);
    const r = await runWindowsPwsh({
      kit,
      prefix,
      args: ['-NoProfile', '-NonInteractive', '-File', toWindowsPath(ps1)],
      env: { SESSIONTOOLS_WTSAPI_PATH: toWindowsPath(dll), WTSDOUBLE_FIXTURE: toWindowsPath(fixture), WTSDOUBLE_LOG: toWindowsPath(log) },
      timeoutMs: 8 * 60_000,
    });
    expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
    const out = JSON.parse(r.stdout.trim().split(/\r?\n/).pop()!) as { Nodes: number; Base: string; Version: string; Missing: string[]; Before: number[]; After: number[]; Without: string; Check: { Wine: boolean; Elevated: boolean; Node: string; User: string } };
    expect(out.Nodes).toBe(0);
    expect(out.Base.toLowerCase()).toBe(`c:\\program files\\powershell\\modules\\sessiontools\\${VERSION}`);
    expect(out.Check).toEqual({ Wine: true, Elevated: true, Node: `it is owned by ${out.Check.User}`, User: expect.stringMatching(/^S-1-5-21-/) });
    expect(out.Without).toBe(`HelperNotFound,Get-UserSession The SessionTools helper is missing from '${out.Base}\\bin\\win-x64'.`);
    expect(out.Version).toBe(VERSION);
    expect(out.Missing).toEqual([]);
    expect(out.Before).toEqual([1, 2, 3, 4]);
    expect(out.After).toEqual([1, 4]);
    const logoffs = readLog(log).flatMap((e) => (e.event === 'logoff' ? [e.session] : []));
    expect(logoffs.sort()).toEqual([2, 3]);
  }, 15 * 60_000);
});
