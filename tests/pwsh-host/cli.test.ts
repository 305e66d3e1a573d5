/**
 * The non-interactive command line: switches, exit codes, -File arguments, -Command - from stdin,
 * formatted output, the other streams and -OutputFormat XML. Every assertion is on what pwsh itself
 * does, so the suite passes unchanged with SESSIONTOOLS_PWSH pointing at a complete pwsh.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pwshObjects, runPwsh, stopRunningPwsh } from '../support/pwsh.ts';
import { removeThingFunction, squash, stripAnsi, tempFiles } from './helpers.ts';

const cleanups: Array<() => void> = [];
afterEach(() => stopRunningPwsh());
afterAll(() => {
  for (const c of cleanups) c();
});

const nop = ['-NoProfile', '-NonInteractive'];

describe('switches', () => {
  it('-Version prints the version and exits 0', async () => {
    const r = await runPwsh(['-Version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^PowerShell \d+\.\d+\.\d+\s*$/);
  });

  it('accepts case-insensitive prefixes like -nop, -noni, -c', async () => {
    const r = await runPwsh(['-nop', '-NONI', '-c', '6*7']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('42');
  });

  it('joins the arguments after -Command with spaces', async () => {
    const r = await runPwsh([...nop, '-Command', '[string]::Join("+",', '@("a","b"))']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('a+b');
  });

  it('accepts -ExecutionPolicy Bypass', async () => {
    const r = await runPwsh([...nop, '-ExecutionPolicy', 'Bypass', '-Command', '"ok"']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('ok');
  });
});

describe('exit codes', () => {
  it('`exit 7` gives 7', async () => {
    expect((await runPwsh([...nop, '-Command', 'exit 7'])).exitCode).toBe(7);
  });

  it('a terminating error gives 1 and shows the error on stderr', async () => {
    const r = await runPwsh([...nop, '-Command', "'before'; throw 'it broke'; 'after'"]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout.trim()).toBe('before');
    expect(stripAnsi(r.stderr)).toContain('it broke');
  });

  it('a parse error gives 1 and shows the parser error', async () => {
    const r = await runPwsh([...nop, '-Command', '1 )']);
    expect(r.exitCode).toBe(1);
    expect(squash(r.stderr)).toContain("Unexpected token ')' in expression or statement.");
  });

  it('incomplete input also gives 1 (pwsh shows no message for it)', async () => {
    const r = await runPwsh([...nop, '-Command', '1 +']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
  });

  it('with no exit, the last statement decides: a non-terminating error at the end gives 1', async () => {
    // Only Microsoft.PowerShell.Core is sure to be there, so the error comes from an advanced function.
    const writeError = `function Test-Fail { [CmdletBinding()] param()
      $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new([Exception]::new('no such session'), 'NoSession', 'ObjectNotFound', 7)) }`;
    const failing = await runPwsh([...nop, '-Command', `${writeError}; Test-Fail`]);
    expect(failing.exitCode).toBe(1);
    expect(squash(failing.stderr)).toContain('no such session');
    const recovered = await runPwsh([...nop, '-Command', `${writeError}; Test-Fail; "fine"`]);
    expect(recovered.stdout.trim()).toBe('fine');
    expect(recovered.exitCode).toBe(0);
  });

  it('native commands set $LASTEXITCODE, and a failing one at the end gives 1', async () => {
    const r = await runPwsh([...nop, '-Command', '/bin/sh -c "exit 4"; $LASTEXITCODE']);
    expect(r.stdout.trim()).toBe('4');
    expect(r.exitCode).toBe(0);
    const last = await runPwsh([...nop, '-Command', '/bin/sh -c "exit 4"']);
    expect(last.exitCode).toBe(1);
  });
});

describe('-File', () => {
  const files = tempFiles({
    'args.ps1': 'param([string]$Name, [int]$Count, [switch]$Loud)\n"$Name|$Count|$Loud|$($args -join \',\')"\n',
    'exit9.ps1': '"running"\nexit 9\n"not reached"\n',
    'throws.ps1': '"one"\nthrow "script failed"\n"two"\n',
  });
  cleanups.push(files.remove);

  it('binds named, colon-joined and switch arguments, and leaves the rest in $args', async () => {
    const r = await runPwsh([...nop, '-File', `${files.dir}/args.ps1`, '-Name', 'bob', '-Count:3', '-Loud', 'x1', 'x2']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('bob|3|True|x1,x2');
  });

  it('binds positional arguments', async () => {
    const r = await runPwsh([...nop, '-File', `${files.dir}/args.ps1`, 'alice', '5']);
    expect(r.stdout.trim()).toBe('alice|5|False|');
  });

  it('`exit 9` in the script gives 9', async () => {
    const r = await runPwsh([...nop, '-File', `${files.dir}/exit9.ps1`]);
    expect(r.stdout.trim()).toBe('running');
    expect(r.exitCode).toBe(9);
  });

  it('a script that throws gives 1', async () => {
    const r = await runPwsh([...nop, '-File', `${files.dir}/throws.ps1`]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout.trim()).toBe('one');
    expect(stripAnsi(r.stderr)).toContain('script failed');
  });
});

describe('-Command - (script on stdin)', () => {
  it('runs each line, keeping variables between them', async () => {
    const r = await runPwsh([...nop, '-Command', '-'], { input: '$x = 20\n$x + 1\n"done"\n' });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split(/\r?\n/).filter(Boolean)).toEqual(['21', 'done']);
  });

  it('runs a multi-line block once an empty line ends it', async () => {
    const r = await runPwsh([...nop, '-Command', '-'], { input: 'foreach ($i in 1..3) {\n  $i * 10\n}\n\n"after"\n' });
    expect(r.stdout.split(/\r?\n/).filter(Boolean)).toEqual(['10', '20', '30', 'after']);
  });

  it('`exit 3` on stdin gives 3', async () => {
    const r = await runPwsh([...nop, '-Command', '-'], { input: '"a"\nexit 3\n"b"\n' });
    expect(r.stdout.trim()).toBe('a');
    expect(r.exitCode).toBe(3);
  });
});

describe('formatting and streams', () => {
  const formatXml = `<?xml version="1.0" encoding="utf-8"?>
<Configuration>
  <ViewDefinitions>
    <View>
      <Name>SessionTools.Test.Item</Name>
      <ViewSelectedBy><TypeName>SessionTools.Test.Item</TypeName></ViewSelectedBy>
      <TableControl>
        <TableHeaders>
          <TableColumnHeader><Label>Name</Label><Width>10</Width></TableColumnHeader>
          <TableColumnHeader><Label>Count</Label><Width>6</Width><Alignment>Right</Alignment></TableColumnHeader>
          <TableColumnHeader><Label>State</Label></TableColumnHeader>
        </TableHeaders>
        <TableRowEntries>
          <TableRowEntry>
            <TableColumnItems>
              <TableColumnItem><PropertyName>Name</PropertyName></TableColumnItem>
              <TableColumnItem><PropertyName>Count</PropertyName></TableColumnItem>
              <TableColumnItem><ScriptBlock>$_.State.ToUpper()</ScriptBlock></TableColumnItem>
            </TableColumnItems>
          </TableRowEntry>
        </TableRowEntries>
      </TableControl>
    </View>
  </ViewDefinitions>
</Configuration>
`;
  const mod = tempFiles({
    'TestItems.format.ps1xml': formatXml,
    'TestItems.psm1': `
function Get-TestItem {
  [pscustomobject]@{ PSTypeName = 'SessionTools.Test.Item'; Name = 'alpha'; Count = 3; State = 'active' }
  [pscustomobject]@{ PSTypeName = 'SessionTools.Test.Item'; Name = 'beta'; Count = 12; State = 'idle' }
}
Export-ModuleMember -Function Get-TestItem
`,
    'TestItems.psd1': `@{
  RootModule = 'TestItems.psm1'
  ModuleVersion = '1.0.0'
  GUID = '6f1c2d0e-3b7a-4c55-9a51-0d2f6b1c7e11'
  FormatsToProcess = @('TestItems.format.ps1xml')
  FunctionsToExport = @('Get-TestItem')
}
`,
  });
  cleanups.push(mod.remove);

  it('renders objects through the format file of an imported module, as a table', async () => {
    const r = await runPwsh([...nop, '-Command', `Import-Module '${mod.dir}/TestItems.psd1'; Get-TestItem`]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(stripAnsi(r.stdout).replace(/\r\n/g, '\n')).toBe(
      ['', 'Name        Count State', '----        ----- -----', 'alpha           3 ACTIVE', 'beta           12 IDLE', '', ''].join('\n'),
    );
  });

  it('prints the "What if:" line of -WhatIf and does not run the action', async () => {
    const r = await runPwsh([...nop, '-Command', `${removeThingFunction}\nRemove-Thing -Name a -WhatIf`]);
    expect(r.exitCode).toBe(0);
    expect(stripAnsi(r.stdout).trim()).toBe('What if: Performing the operation "Remove" on target "a".');
  });

  it('writes warnings and verbose messages with their prefixes, errors on stderr', async () => {
    const script = `
function Test-Streams {
  [CmdletBinding()] param()
  $PSCmdlet.WriteWarning('careful')
  $PSCmdlet.WriteVerbose('details')
  $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new([Exception]::new('bad thing'), 'Bad', 'InvalidOperation', $null))
  'result'
}
Test-Streams -Verbose`;
    const r = await runPwsh([...nop, '-Command', script]);
    const out = stripAnsi(r.stdout);
    expect(out).toContain('WARNING: careful');
    expect(out).toContain('VERBOSE: details');
    expect(out).toContain('result');
    expect(out).not.toContain('bad thing');
    expect(stripAnsi(r.stderr)).toContain('bad thing');
    expect(r.exitCode).toBe(1);
  });

  it('Write-Progress shows nothing when not on a terminal', async () => {
    const script = `
function Test-Progress {
  [CmdletBinding()] param()
  foreach ($i in 1..3) {
    $PSCmdlet.WriteProgress([System.Management.Automation.ProgressRecord]::new(1, 'Copying things', "item $i"))
  }
  'finished'
}
Test-Progress`;
    const r = await runPwsh([...nop, '-Command', script]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('finished');
    expect(r.stderr).toBe('');
  });
});

describe('-OutputFormat XML', () => {
  it('writes the #< CLIXML header and one <Objs> document', async () => {
    const r = await runPwsh([...nop, '-OutputFormat', 'XML', '-Command', '1; "two"']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.startsWith('#< CLIXML\n') || r.stdout.startsWith('#< CLIXML\r\n')).toBe(true);
    expect(r.stdout).toMatch(/<Objs Version="1\.1\.0\.1" xmlns="http:\/\/schemas\.microsoft\.com\/powershell\/2004\/04">.*<\/Objs>/s);
  });

  it('reads back typed objects with their values', async () => {
    const objects = await pwshObjects(`
      42
      [long]9007199254740
      'text with "quotes" & <angle>'
      $true
      $null
      [datetime]::new(2024, 5, 6, 7, 8, 9, [DateTimeKind]::Utc)
      [timespan]::new(1, 2, 3, 4)
      ,@(1, 'two', 3.5)
      @{ key = 'value' }
      [pscustomobject]@{ PSTypeName = 'SessionTools.Test.Row'; Id = 7; Tags = @('a', 'b') }
    `);
    expect(objects).toHaveLength(10);
    const [int, long, str, bool, nil, date, span, array, table, custom] = objects;
    expect(int).toBe(42);
    expect(long).toBe(9007199254740);
    expect(str).toBe('text with "quotes" & <angle>');
    expect(bool).toBe(true);
    expect(nil).toBeNull();
    expect(date).toEqual(new Date(Date.UTC(2024, 4, 6, 7, 8, 9)));
    expect(span).toEqual({ $type: 'TimeSpan', totalMilliseconds: ((1 * 24 + 2) * 3600 + 3 * 60 + 4) * 1000 });
    expect(array).toEqual([1, 'two', 3.5]);
    expect(table).toEqual({ key: 'value' });
    expect(custom).toMatchObject({ Id: 7, Tags: ['a', 'b'] });
    expect((custom as { $types: string[] }).$types[0]).toBe('SessionTools.Test.Row');
    expect((custom as { $types: string[] }).$types).toContain('System.Management.Automation.PSCustomObject');
  });

  it('throws with the error message when the script fails, unless allowFailure', async () => {
    await expect(pwshObjects("'partial'; throw 'went wrong'")).rejects.toThrow(/went wrong/);
    const objects = await pwshObjects("'partial'; throw 'went wrong'", { allowFailure: true });
    expect(objects).toEqual(['partial']);
  });

  it('exit N inside the script is the exit code', async () => {
    await expect(pwshObjects("'x'; exit 5")).rejects.toThrow(/exited with 5/);
  });
});
