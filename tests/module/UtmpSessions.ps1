# Dot-sourced in BeforeAll by the module's Pester files that run the cmdlets against real session
# leaders recorded in a utmp file (the fixture server's 'utmp.sessions'). Every Pester file runs in
# the same PowerShell, so the environment this changes is restored by Stop-UtmpSessions.

Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force

$script:Fixture = Start-TestFixture
$script:SavedEnv = @{}
foreach ($name in 'SESSIONTOOLS_UTMP_PATH', 'SESSIONTOOLS_RPC_TIMEOUT_SECONDS') {
    $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name)
}

function New-UtmpSession {
    # Starts one real leader per user, records them as logins (pts/200, pts/201, ... from 192.0.2.7)
    # in the fixture's utmp file, points the module at that file and imports it afresh, so that a new
    # helper reads it. Returns the leaders' pids, in the order of the users.
    param([Parameter(Mandatory)] [string[]] $User)
    $made = Invoke-TestFixture -Fixture $script:Fixture -Op 'utmp.sessions' -Arguments @{ users = $User }
    $env:SESSIONTOOLS_UTMP_PATH = $made.Utmp
    Remove-Module SessionTools -ErrorAction Ignore
    Import-Module (Get-TestModulePath) -Force -ErrorAction Stop
    [int[]] $made.Pids
}

function Stop-UtmpLeader {
    # Ends, by pid, every leader started so far (for AfterEach).
    $null = Invoke-TestFixture -Fixture $script:Fixture -Op 'leaders.stop'
}

function Stop-UtmpSessions {
    # For AfterAll: the helper, the leaders and the fixture end; the environment is as it was.
    Remove-Module SessionTools -ErrorAction Ignore
    Stop-TestFixture -Fixture $script:Fixture
    foreach ($name in $script:SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedEnv[$name]) }
}

function Get-HelperState {
    # The module's helper, through the client's diagnostics (read, not changed): Pid, NextId (the
    # id its next request gets), Exited; $null before the first call.
    $base = (Get-Module SessionTools).ModuleBase
    $client = [SessionTools.Rpc.HelperClient]::Instances | Where-Object ModuleBase -EQ $base | Select-Object -Last 1
    if ($null -ne $client -and $null -ne $client.ProcessId) {
        [pscustomobject] @{ Pid = $client.ProcessId; NextId = $client.RequestsSent + 1; Exited = $client.HasExited }
    }
}

function Invoke-ModulePwsh {
    # Runs $Script in a new PowerShell under test that imports the module first (reading this
    # process's SESSIONTOOLS_UTMP_PATH): @{ ExitCode; Stdout; Stderr; Ms }. -NonInteractive unless
    # -Interactive; stdin is a closed pipe, or -StdinPath.
    param([Parameter(Mandatory)] [string] $Script, [switch] $Interactive, [string] $Stdin = '', [string] $StdinPath)
    $import = "Import-Module '$((Get-TestModulePath).Replace("'", "''"))' -ErrorAction Stop"
    $arguments = @('-NoProfile')
    if (-not $Interactive) { $arguments += '-NonInteractive' }
    $arguments += '-Command', "$import`n$Script"
    $run = @{ ArgumentList = $arguments; Stdin = $Stdin; TimeoutSec = 60 }
    if ($StdinPath) { $run['StdinPath'] = $StdinPath }
    Invoke-TestPwsh @run
}
