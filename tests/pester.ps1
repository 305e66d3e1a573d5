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
# The NUnit report is written after the counts (below): Pester's own writer stops at a control
# character (an ANSI colour a child PowerShell wrote to stderr, quoted in a failure message) and
# then returns no result at all.
$config.TestResult.Enabled = $false
$run = Invoke-Pester -Configuration $config
$summaryPath = [System.IO.Path]::Combine($results, 'pester.json')
# Copies of the module that tests made for other users (TestFixture.psm1 Get-TestModulePathForAll).
Remove-Item -LiteralPath "/var/tmp/sessiontools-test-pwsh/module-$PID" -Recurse -Force -ErrorAction SilentlyContinue
if ($null -eq $run) {
    [System.IO.File]::WriteAllText($summaryPath, '{"passed":0,"failed":1,"skipped":0}')
    Write-Error 'Invoke-Pester returned no result.' -ErrorAction Continue
    exit 1
}

# A container (file) that fails to load or in BeforeAll counts as failed, like a vitest suite that
# fails to collect.
$failedContainers = @($run.Containers | Where-Object { $_.Result -eq 'Failed' -and $_.FailedCount -eq 0 }).Count
$summary = [ordered] @{ passed = [int] $run.PassedCount; failed = [int] $run.FailedCount + $failedContainers; skipped = [int] $run.SkippedCount + [int] $run.NotRunCount }
[System.IO.File]::WriteAllText($summaryPath, ($summary | ConvertTo-Json -Compress))

# XML 1.0 allows no control characters but tab, CR and LF: take them out of what the report quotes.
$control = '[\x00-\x08\x0B\x0C\x0E-\x1F]'
foreach ($test in $run.Failed) {
    foreach ($record in $test.ErrorRecord) {
        foreach ($name in 'DisplayErrorMessage', 'DisplayStackTrace') {
            $property = $record.PSObject.Properties[$name]
            if ($property -and $property.Value -is [string]) { $property.Value = $property.Value -replace $control, '' }
        }
    }
}
try {
    Export-NUnitReport -Result $run -Path ([System.IO.Path]::Combine($results, 'pester.xml'))
} catch {
    Write-Warning "The NUnit report was not written: $($_.Exception.Message)"
}
if ($summary.failed -gt 0 -or $summary.passed -eq 0) { exit 1 }
exit 0
