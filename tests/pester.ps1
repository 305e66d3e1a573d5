# Runs the Pester suites (tests/**/*.Tests.ps1, or the paths given) with the pinned Pester, imported
# by path; writes the NUnit report to .tools/test-results/pester.xml and a one-line JSON summary
# beside it for tests/run.ts; exits 0 when every test passed.
param([Parameter(ValueFromRemainingArguments = $true)] [string[]] $Path)
$ErrorActionPreference = 'Stop'
$root = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..'))
Import-Module $env:SESSIONTOOLS_PESTER -MinimumVersion 5.0 -ErrorAction Stop
$results = [System.IO.Path]::Combine($root, '.tools', 'test-results')
$null = New-Item -ItemType Directory -Force -Path $results

$config = New-PesterConfiguration
if ($Path) { $config.Run.Path = $Path } else { $config.Run.Path = [System.IO.Path]::Combine($root, 'tests') }
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = if ($env:SESSIONTOOLS_PESTER_VERBOSITY) { $env:SESSIONTOOLS_PESTER_VERBOSITY } else { 'Normal' }
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = [System.IO.Path]::Combine($results, 'pester.xml')
$run = Invoke-Pester -Configuration $config

# A container (file) that fails to load or in BeforeAll counts as failed, like a vitest suite that
# fails to collect.
$failedContainers = @($run.Containers | Where-Object { $_.Result -eq 'Failed' -and $_.FailedCount -eq 0 }).Count
$summary = [ordered] @{ passed = $run.PassedCount; failed = $run.FailedCount + $failedContainers; skipped = $run.SkippedCount + $run.NotRunCount }
[System.IO.File]::WriteAllText([System.IO.Path]::Combine($results, 'pester.json'), ($summary | ConvertTo-Json -Compress))
if ($summary.failed -gt 0 -or $summary.passed -eq 0) { exit 1 }
exit 0
