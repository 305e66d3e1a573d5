# Commands about sessions of several computers through the real module, helper and WTS backend (the
# C double of wtsapi32) where one of the computers never answers (it went away after the listing:
# every call on it takes a minute): PowerShell gets that computer's sessions as errors before the
# client's own time is up (ActionTimedOut for a log-off, ComputerTimeout for their processes), the
# other computers' are acted on or listed, and the command ends normally. Before, the client stopped
# the helper at its timeout (HelperTimeout, terminating) and every outcome was lost.
# The client's wait is made 6 s (SESSIONTOOLS_RPC_TIMEOUT_SECONDS, which the helper inherits).

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    $script:Wts = Start-TestWtsDouble
}

AfterAll { Stop-TestWtsDouble $script:Wts }

Describe 'sessions on several computers, one of which never answers' {
    BeforeAll {
        $script:Sessions = @(
            @{ id = 3; state = 'Active'; winStation = 'RDP-Tcp#3'; user = 'alice'; domain = 'LAB' }
            @{ id = 4; state = 'Active'; winStation = 'RDP-Tcp#4'; user = 'bob'; domain = 'LAB' }
        )
        $script:Import = "Import-Module '$((Get-TestModulePath).Replace("'", "''"))' -ErrorAction Stop"
        # Runs $Script (whose first line of output is 'took=<seconds>') in a child PowerShell whose
        # client waits 6 s: it must end normally, within that wait. Returns the other lines.
        function Invoke-WithinWait([string] $Script) {
            $run = Invoke-TestPwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', "$script:Import`n$Script" -TimeoutSec 60 -Environment @{
                SESSIONTOOLS_RPC_TIMEOUT_SECONDS = '6'
            }
            $run.ExitCode | Should -Be 0 -Because $run.Stderr
            # The first line is the time taken; the others are what the test checks.
            $took, $rest = @($run.Stdout.Trim() -split "`r?`n")
            $took | Should -Match '^took=\d+$'
            [int] ($took -replace '^took=') | Should -BeLessThan 6
            $rest
        }
    }

    It 'a log-off writes ActionTimedOut for that computer''s sessions within the client''s wait; the others are logged off' {
        $sessions = $script:Sessions
        Set-TestWtsFixture $script:Wts @(
            @{ name = '.'; sessions = @() }
            @{ name = 'srv1'; sessions = $sessions }
            @{ name = 'gone'; latencyMs = 60000; sessions = $sessions }
        )
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
        Invoke-WithinWait $script | Should -Be @(
            'srv1=2>0'
            'ActionTimedOut,Stop-UserSession OperationTimeout 3'
            'ActionTimedOut,Stop-UserSession OperationTimeout 4'
        )
    }

    It 'Get-UserSessionProcess writes ComputerTimeout for that computer''s sessions within the client''s wait; the others'' processes come' {
        $processes = @(
            @{ session = 3; pid = 300; name = 'excel.exe'; user = 'alice'; domain = 'LAB' }
            @{ session = 4; pid = 400; name = 'word.exe'; user = 'bob'; domain = 'LAB' }
        )
        Set-TestWtsFixture $script:Wts @(
            @{ name = '.'; sessions = @() }
            @{ name = 'srv1'; sessions = $script:Sessions; processes = $processes }
            @{ name = 'gone'; latencyMs = 60000; sessions = $script:Sessions; processes = $processes }
        )
        $script = @'
$w = [System.Diagnostics.Stopwatch]::StartNew()
$targets = @(
    [pscustomobject] @{ ComputerName = 'gone'; SessionId = 3 }
    [pscustomobject] @{ ComputerName = 'srv1'; SessionId = 3 }
    [pscustomobject] @{ ComputerName = 'srv1'; SessionId = 4 }
    [pscustomobject] @{ ComputerName = 'gone'; SessionId = 4 }
)
$found = @($targets | Get-UserSessionProcess -ErrorVariable ev -ErrorAction SilentlyContinue)
'took=' + [int] $w.Elapsed.TotalSeconds
$found | ForEach-Object { "$($_.ComputerName) $($_.SessionId) $($_.Name)" }
$ev | ForEach-Object { "$($_.FullyQualifiedErrorId) $($_.CategoryInfo.Category) $($_.TargetObject)" }
'@
        Invoke-WithinWait $script | Should -Be @(
            'srv1 3 excel.exe'
            'srv1 4 word.exe'
            'ComputerTimeout,Get-UserSessionProcess OperationTimeout 3'
            'ComputerTimeout,Get-UserSessionProcess OperationTimeout 4'
        )
    }
}
