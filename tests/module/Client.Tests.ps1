# The compiled client of the helper (src/dotnet/SessionTools.Types/Client/), as a PowerShell that
# imports the module sees it: it leaves nothing in the temp folder (the helper's stderr is kept in
# memory), and SESSIONTOOLS_RPC_TIMEOUT_SECONDS of any size, or no number at all, still gives a
# working call. Against real leaders recorded in a utmp file, through the real helper.

BeforeAll {
    . ([System.IO.Path]::Combine($PSScriptRoot, 'UtmpSessions.ps1'))

    function Invoke-ChildPwsh([string] $Script, [hashtable] $Environment) {
        # A new PowerShell under test that imports the module and runs $Script: @{ ExitCode; Stdout; Stderr }.
        $import = "Import-Module '$((Get-TestModulePath).Replace("'", "''"))' -ErrorAction Stop"
        Invoke-TestPwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', "$import`n$Script" -Environment $Environment -TimeoutSec 60
    }
}

AfterAll { Stop-UtmpSessions }

Describe 'the client of the helper' {
    BeforeAll { $script:Leader = New-UtmpSession 'st-client' }
    AfterAll { Stop-UtmpLeader }

    It 'leaves no file in the temp folder: a PowerShell that started the helper, called it and exited' {
        $temp = [System.IO.Path]::Combine((Invoke-TestFixture -Fixture $script:Fixture -Op 'dir'), "temp-$([guid]::NewGuid().ToString('N'))")
        $null = [System.IO.Directory]::CreateDirectory($temp)
        $run = Invoke-ChildPwsh -Script '@(Get-UserSession).UserName; [System.IO.Path]::GetTempPath()' -Environment @{ TMPDIR = $temp; SESSIONTOOLS_UTMP_PATH = $env:SESSIONTOOLS_UTMP_PATH }
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $lines = @($run.Stdout.Trim() -split "`r?`n")
        $lines[0] | Should -BeExactly 'st-client'
        # The child's temp folder was this one, and nothing is left in it.
        [System.IO.Path]::GetFullPath($lines[1]).TrimEnd('/') | Should -BeExactly $temp
        @(Get-ChildItem -LiteralPath $temp -Force -Recurse) | Should -BeNullOrEmpty
    }

    It 'a SESSIONTOOLS_RPC_TIMEOUT_SECONDS of <Value> gives a working call (no overflow, no failure)' -ForEach @(
        @{ Value = '99999999999999999999999' }
        @{ Value = '2147483648' }
        @{ Value = '1e300' }
        @{ Value = 'soon' }
        @{ Value = '0' }
    ) {
        $run = Invoke-ChildPwsh -Script '@(Get-UserSession -ErrorAction Stop).SessionId' -Environment @{ SESSIONTOOLS_RPC_TIMEOUT_SECONDS = $Value; SESSIONTOOLS_UTMP_PATH = $env:SESSIONTOOLS_UTMP_PATH }
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $run.Stdout.Trim() | Should -BeExactly ([string] $script:Leader[0])
    }
}
