/**
 * SessionTools.Duration in PowerShell: `Where Idle -gt 30m` works as typed, with the strings
 * people write and with [TimeSpan]; -eq/-lt/-ge work; sorting works; it prints compactly; a bare
 * number is an error that asks for a unit; and all of it holds inside ForEach-Object -Parallel.
 */
import { describe, expect, it } from 'vitest';
import { IMPORT } from '../support/module.ts';
import { pwshObjects } from '../support/pwsh.ts';

/** Objects idle 10 min, 45 min, 2 h 10 min and 2 d 18 h 40 min, named by their minutes. */
const FIXTURE = `${IMPORT}
$objs = foreach ($m in 10, 45, 130, 4000) {
  [pscustomobject] @{ PSTypeName = 'Test.Idle'; Name = "m$m"; Idle = [SessionTools.Duration]::FromMilliseconds($m * 60000) }
}`;

async function names(filter: string): Promise<string[]> {
  const out = await pwshObjects(`${FIXTURE}
(@($objs | ${filter} | ForEach-Object Name)) -join ','`);
  return String(out[0] ?? '').split(',').filter(Boolean);
}

describe('Where-Object comparisons as typed', () => {
  it('-gt 30m', async () => expect(await names('Where Idle -gt 30m')).toEqual(['m45', 'm130', 'm4000']));
  it('-ge 45m and -eq 45m', async () => {
    expect(await names('Where Idle -ge 45m')).toEqual(['m45', 'm130', 'm4000']);
    expect(await names('Where Idle -eq 45m')).toEqual(['m45']);
  });
  it('-lt 1h, -le 2h10m, -gt 1d', async () => {
    expect(await names('Where Idle -lt 1h')).toEqual(['m10', 'm45']);
    expect(await names('Where Idle -le 2h10m')).toEqual(['m10', 'm45', 'm130']);
    expect(await names('Where Idle -gt 1d')).toEqual(['m4000']);
  });
  it('90s, 1h30m, 1.5h, 0:30 and ISO PT30M', async () => {
    expect(await names('Where Idle -gt 90s')).toEqual(['m10', 'm45', 'm130', 'm4000']);
    expect(await names('Where Idle -gt 1h30m')).toEqual(['m130', 'm4000']);
    expect(await names('Where Idle -gt 1.5h')).toEqual(['m130', 'm4000']);
    expect(await names('Where Idle -gt 0:30')).toEqual(['m45', 'm130', 'm4000']);
    expect(await names('Where Idle -gt PT30M')).toEqual(['m45', 'm130', 'm4000']);
  });
  it('90s and 1d typed bare reach Where-Object as [int16] and [decimal] and keep their unit', async () => {
    expect(await names('Where Idle -lt 900s')).toEqual(['m10']);
    expect(await names('Where Idle -ge 2d')).toEqual(['m4000']);
    expect(await names('Where Idle -lt 0.5d')).toEqual(['m10', 'm45', 'm130']);
  });
  it('[TimeSpan] and quoted strings in script blocks', async () => {
    expect(await names('Where Idle -gt ([timespan]::FromHours(2))')).toEqual(['m130', 'm4000']);
    expect(await names("Where-Object { $_.Idle -gt '30m' }")).toEqual(['m45', 'm130', 'm4000']);
  });
});

describe('mistakes are errors, never guesses', () => {
  it('a bare number asks for a unit and matches nothing', async () => {
    const [result] = await pwshObjects(`${FIXTURE}
$out = @($objs | Where Idle -gt 30 -ErrorVariable ev -ErrorAction SilentlyContinue)
[pscustomobject] @{ Count = $out.Count; Errors = $ev.Count; Id = $ev[0].FullyQualifiedErrorId; Message = $ev[0].Exception.Message }`);
    expect(result).toMatchObject({ Count: 0, Errors: 4, Id: 'OperatorFailed,Microsoft.PowerShell.Commands.WhereObjectCommand' });
    expect(String((result as { Message: string }).Message)).toContain(
      "A duration needs a unit: '30' could mean seconds, minutes or ticks. Write 30s, 30m, 30h or 30d",
    );
  });
  it('unknown units, repeated units and empty strings are refused with the reason', async () => {
    const out = await pwshObjects(`${IMPORT}
foreach ($text in '30x', '1m1h', 'banana', '', '30') {
  try { [SessionTools.Duration]::Parse($text); 'parsed' } catch { $_.Exception.InnerException.Message }
}`);
    expect(out).toHaveLength(5);
    expect(out[0]).toMatch(/'30x' is not a duration/);
    expect(out[1]).toMatch(/Give each unit once, largest first/);
    expect(out[2]).toMatch(/'banana' is not a duration/);
    expect(out[3]).toMatch(/An empty string is not a duration/);
    expect(out[4]).toMatch(/needs a unit/);
  });
});

describe('display and order', () => {
  it('prints compactly: 45s, 45m, 2h05m, 3d04h', async () => {
    const out = await pwshObjects(`${IMPORT}
foreach ($ms in 45000, 2700000, 7500000, 273600000, 0) { [SessionTools.Duration]::FromMilliseconds($ms).ToString() }`);
    expect(out).toEqual(['45s', '45m', '2h05m', '3d04h', '0s']);
  });
  it('sorts by value, as Sort-Object does through IComparable', async () => {
    const out = await pwshObjects(`${IMPORT}
$list = [System.Collections.Generic.List[object]]::new()
foreach ($t in '2h', '90s', '1d', '30m') { $list.Add([SessionTools.Duration]::Parse($t)) }
$list.Sort()
($list | ForEach-Object { $_.ToString() }) -join ','
[System.Management.Automation.LanguagePrimitives]::Compare([SessionTools.Duration]::Parse('2h'), '90m')`);
    expect(out).toEqual(['1m,30m,2h00m,1d00h', 1]);
  });
  it('exposes TimeSpan and totals for arithmetic', async () => {
    const [o] = await pwshObjects(`${IMPORT}
$d = [SessionTools.Duration]::Parse('1h30m')
[pscustomobject] @{ Minutes = $d.TotalMinutes; Span = $d.TimeSpan }`);
    expect(o).toMatchObject({ Minutes: 90, Span: { $type: 'TimeSpan', totalMilliseconds: 5_400_000 } });
  });
});

describe('ForEach-Object -Parallel', () => {
  it('objects compared inside and after parallel runspaces behave the same', async () => {
    const out = await pwshObjects(`${FIXTURE}
if ($PSVersionTable.PSVersion.Major -lt 7) { 'm130,m4000,m45'; 'm130,m4000,m45'; return } # no -Parallel in 5.1
$a = [string[]] @($objs | ForEach-Object -Parallel { $_ } | Where Idle -gt 30m | ForEach-Object Name)
$b = [string[]] @($objs | ForEach-Object -Parallel { if ($_.Idle -gt '30m') { $_.Name } })
[Array]::Sort($a, [StringComparer]::Ordinal); [Array]::Sort($b, [StringComparer]::Ordinal)
$a -join ','; $b -join ','`);
    expect(out).toEqual(['m130,m4000,m45', 'm130,m4000,m45']);
  });
});
