# Runs Pester files in the Windows PowerShell under Wine (tests/support/wine-pwsh.ts starts it) and
# writes one JSON object per test to -ResultPath, for the vitest file that counts them into the run.
# Pester is imported by path ($env:SESSIONTOOLS_PESTER, a Z:\ path to .tools/packages).
param(
    [Parameter(Mandatory = $true)] [string] $ResultPath,
    [Parameter(Mandatory = $true, ValueFromRemainingArguments = $true)] [string[]] $Path
)
$ErrorActionPreference = 'Stop'
Import-Module $env:SESSIONTOOLS_PESTER -MinimumVersion 5.0

$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = 'Detailed'
# No NUnit report: writing one asks CIM for the OS (Get-CimInstance Win32_OperatingSystem), which
# never answers under Wine.
$config.TestResult.Enabled = $false
$run = Invoke-Pester -Configuration $config

$tests = foreach ($t in $run.Tests) {
    [ordered] @{
        file = [System.IO.Path]::GetFileName($t.ScriptBlock.File)
        name = $t.ExpandedPath
        result = [string] $t.Result
        ms = [int] $t.Duration.TotalMilliseconds
        error = (@($t.ErrorRecord | ForEach-Object { "$_`n$($_.ScriptStackTrace)" }) -join "`n")
    }
}
# A file that fails outside its tests (BeforeAll, discovery) has no failed test to show it.
$containers = foreach ($c in $run.Containers) {
    [ordered] @{
        file = [string] $c.Item
        result = [string] $c.Result
        error = (@($c.ErrorRecord | ForEach-Object { "$_`n$($_.ScriptStackTrace)" }) -join "`n")
    }
}
$json = [ordered] @{ tests = @($tests); containers = @($containers) } | ConvertTo-Json -Depth 5
[System.IO.File]::WriteAllText($ResultPath, $json, [System.Text.UTF8Encoding]::new($false))
