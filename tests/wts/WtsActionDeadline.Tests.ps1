# A log-off through the real module, helper and WTS backend (the C double of wtsapi32) where one of
# the computers never answers (it went away after the listing: every call on it takes a minute):
# PowerShell gets that computer's sessions as ActionTimedOut errors before the client's own time is
# up, the other computers' sessions are logged off, and the command ends normally. Before, the
# client stopped the helper at its timeout (HelperTimeout, terminating) and every outcome was lost.
# The client's wait is made 6 s (SESSIONTOOLS_RPC_TIMEOUT_SECONDS, which the helper inherits).

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    $script:Wts = Start-TestWtsDouble
}

AfterAll { Stop-TestWtsDouble $script:Wts }

Describe 'a log-off of sessions on several computers, one of which never answers' {
    It 'writes ActionTimedOut for that computer''s sessions within the client''s wait; the others are logged off' {
        $sessions = @(
            @{ id = 3; state = 'Active'; winStation = 'RDP-Tcp#3'; user = 'alice'; domain = 'LAB' }
            @{ id = 4; state = 'Active'; winStation = 'RDP-Tcp#4'; user = 'bob'; domain = 'LAB' }
        )
        Set-TestWtsFixture $script:Wts @(
            @{ name = '.'; sessions = @() }
            @{ name = 'srv1'; sessions = $sessions }
            @{ name = 'gone'; latencyMs = 60000; sessions = $sessions }
        )
        $import = "Import-Module '$((Get-TestModulePath).Replace("'", "''"))' -ErrorAction Stop"
        $script = @'
$before = @(Get-UserSession -ComputerName srv1).Count
$w = [System.Diagnostics.Stopwatch]::StartNew()
$targets = @(
    [pscustomobject] @{ ComputerName = 'srv1'; SessionId = 3 }
    [pscustomobject] @{ ComputerName = 'gone'; SessionId = 3 }
    [pscustomobject] @{ ComputerName = 'srv1'; SessionId = 4 }
    [pscustomobject] @{ ComputerName = 'gone'; SessionId = 4 }
)
$targets | Stop-UserSession -Force -ErrorVariable ev -ErrorAction SilentlyContinue
'took=' + [int] $w.Elapsed.TotalSeconds
'srv1=' + $before + '>' + @(Get-UserSession -ComputerName srv1).Count
$ev | ForEach-Object { "$($_.FullyQualifiedErrorId) $($_.CategoryInfo.Category) $($_.TargetObject)" }
'@
        $run = Invoke-TestPwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', "$import`n$script" -TimeoutSec 60 -Environment @{
            SESSIONTOOLS_RPC_TIMEOUT_SECONDS = '6'
        }
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $lines = @($run.Stdout.Trim() -split "`r?`n")
        [int] ($lines[0] -replace '^took=') | Should -BeLessThan 6
        $lines[1] | Should -BeExactly 'srv1=2>0'
        $lines[2..3] | Should -Be @(
            'ActionTimedOut,Stop-UserSession OperationTimeout 3'
            'ActionTimedOut,Stop-UserSession OperationTimeout 4'
        )
        $lines.Count | Should -Be 4
    }
}
