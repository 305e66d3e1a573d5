/**
 * Every shipped .ps1/.psm1 calls only Microsoft.PowerShell.Core commands and its own functions
 * (no Utility/Management/Security cmdlets, no aliases), and uses no syntax that Windows
 * PowerShell 5.1 lacks. PowerShell's own parser walks the files.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/module.ts';
import { pwshObjects } from '../support/pwsh.ts';

const MODULE_DIR = join(ROOT, 'module');
const shipped = readdirSync(MODULE_DIR)
  .filter((f) => f.endsWith('.ps1') || f.endsWith('.psm1'))
  .map((f) => join(MODULE_DIR, f));

const WALK = `
$files = @(${shipped.map((f) => `'${f}'`).join(', ')})
$core = @{}
foreach ($c in (Get-Command -Module Microsoft.PowerShell.Core -CommandType Cmdlet, Function)) { $core[$c.Name] = $true }
$asts = foreach ($f in $files) {
  $tokens = $null; $errors = $null
  $ast = [System.Management.Automation.Language.Parser]::ParseFile($f, [ref] $tokens, [ref] $errors)
  foreach ($e in $errors) { [pscustomobject] @{ Kind = 'ParseError'; File = $f; Line = $e.Extent.StartLineNumber; Text = $e.Message } }
  $ast
}
$own = @{}
foreach ($ast in $asts) {
  if ($ast -isnot [System.Management.Automation.Language.Ast]) { $ast; continue }
  foreach ($fn in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $true)) { $own[$fn.Name] = $true }
}
foreach ($ast in $asts) {
  if ($ast -isnot [System.Management.Automation.Language.Ast]) { continue }
  $file = $ast.Extent.File
  foreach ($cmd in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true)) {
    $name = $cmd.GetCommandName()
    if ($null -eq $name -and $cmd.InvocationOperator -eq 'Dot' -and $cmd.Extent.Text -match "PSScriptRoot, '(SessionTools\.[A-Za-z]+\.ps1)'" -and $files -match [regex]::Escape($Matches[1])) {
      # dot-sourcing one of the module's own files, which this walk checks too
    } elseif ($null -eq $name) {
      [pscustomobject] @{ Kind = 'DynamicCommand'; File = $file; Line = $cmd.Extent.StartLineNumber; Text = $cmd.Extent.Text }
    } elseif (-not $core.ContainsKey($name) -and -not $own.ContainsKey($name)) {
      [pscustomobject] @{ Kind = 'ForeignCommand'; File = $file; Line = $cmd.Extent.StartLineNumber; Text = $name }
    }
  }
  # Syntax that Windows PowerShell 5.1 does not parse.
  $newer = $ast.FindAll({ param($n)
    $t = $n.GetType().Name
    $t -eq 'TernaryExpressionAst' -or $t -eq 'PipelineChainAst' -or
    ($n -is [System.Management.Automation.Language.BinaryExpressionAst] -and $n.Operator -eq 'QuestionQuestion') -or
    ($n -is [System.Management.Automation.Language.AssignmentStatementAst] -and $n.Operator -eq 'QuestionQuestionEquals') -or
    ($n -is [System.Management.Automation.Language.MemberExpressionAst] -and $n.NullConditional) -or
    ($n -is [System.Management.Automation.Language.IndexExpressionAst] -and $n.NullConditional) -or
    ($n -is [System.Management.Automation.Language.ScriptBlockAst] -and $null -ne $n.CleanBlock)
  }, $true)
  foreach ($n in $newer) { [pscustomobject] @{ Kind = 'NewerSyntax'; File = $file; Line = $n.Extent.StartLineNumber; Text = $n.Extent.Text } }
}
[pscustomobject] @{ Kind = 'Summary'; File = ''; Line = $own.Count; Text = $core.Count }
`;

describe('shipped PowerShell', () => {
  it('finds the module files to check', () => {
    expect(shipped.map((f) => f.slice(MODULE_DIR.length + 1)).sort()).toEqual(['SessionTools.Runtime.ps1', 'SessionTools.psm1']);
  });

  it('calls only Microsoft.PowerShell.Core commands and its own functions, in 5.1 syntax', async () => {
    const out = (await pwshObjects(WALK, { timeoutMs: 60_000 })) as { Kind: string; File: string; Line: number; Text: string }[];
    const summary = out.find((o) => o.Kind === 'Summary');
    expect(summary?.Line, 'functions defined by the module').toBeGreaterThan(10);
    expect(Number(summary?.Text), 'commands of Microsoft.PowerShell.Core').toBeGreaterThan(30);
    const findings = out.filter((o) => o.Kind !== 'Summary').map((o) => `${o.Kind} ${o.File}:${o.Line} ${o.Text}`);
    expect(findings).toEqual([]);
  });

  it('the walk does flag a Utility cmdlet, an alias and 7-only syntax', async () => {
    const probe = join(ROOT, 'tests', 'module', 'fixtures', 'bad.ps1');
    const out = (await pwshObjects(WALK.replace(/\$files = @\([^)]*\)/, `$files = @('${probe}')`))) as { Kind: string; Text: string }[];
    const kinds = out.filter((o) => o.Kind !== 'Summary').map((o) => `${o.Kind}:${o.Text.split('\n')[0]}`);
    expect(kinds).toEqual(
      expect.arrayContaining(['ForeignCommand:Select-Object', 'ForeignCommand:where', 'NewerSyntax:$a ?? 1', 'NewerSyntax:$true ? 1 : 2']),
    );
  });
});
