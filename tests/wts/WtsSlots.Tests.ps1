# A fan-out whose slots for native calls are all held by calls to hosts that never answer (a call
# given up on keeps its slot until Windows returns it, docs/wts-api.md 5.9): the computers that wait
# for a slot are answered with ComputerTimeout before the client's own time is up, so PowerShell
# gets one error per computer, never a stopped helper that loses every answer (HelperTimeout).
# The real module, helper and WTS backend on the C double of wtsapi32, in a child PowerShell with
# few pool threads (UV_THREADPOOL_SIZE 4: two slots) and a short client wait
# (SESSIONTOOLS_RPC_TIMEOUT_SECONDS 6, which the helper inherits and keeps to as well).

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    $script:Wts = Start-TestWtsDouble
}

AfterAll { Stop-TestWtsDouble $script:Wts }

Describe 'a fan-out when calls that never return hold every slot' {
    It 'answers each computer (ComputerTimeout) within the client''s wait; the command ends normally' {
        $dead = @(for ($i = 0; $i -lt 4; $i++) { @{ name = "dead$i"; latencyMs = 60000; sessions = @() } })
        Set-TestWtsFixture $script:Wts (@(@{ name = '.'; sessions = @() }) + $dead)
        $import = "Import-Module '$((Get-TestModulePath).Replace("'", "''"))' -ErrorAction Stop"
        $script = @'
$w = [System.Diagnostics.Stopwatch]::StartNew()
$s = @(Get-UserSession -ComputerName dead0, dead1, dead2, dead3 -ThrottleLimit 4 -TimeoutSec 1 -ErrorVariable ev -ErrorAction SilentlyContinue)
'took=' + [int] $w.Elapsed.TotalSeconds
'sessions=' + $s.Count
$ev | ForEach-Object { "$($_.FullyQualifiedErrorId) $($_.CategoryInfo.Category) $($_.TargetObject)" } | Sort-Object
'@
        $run = Invoke-TestPwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', "$import`n$script" -TimeoutSec 60 -Environment @{
            UV_THREADPOOL_SIZE = '4'
            SESSIONTOOLS_RPC_TIMEOUT_SECONDS = '6'
        }
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $lines = @($run.Stdout.Trim() -split "`r?`n")
        [int] ($lines[0] -replace '^took=') | Should -BeLessThan 6
        $lines[1] | Should -BeExactly 'sessions=0'
        $lines[2..5] | Should -Be @(
            'ComputerTimeout,Get-UserSession OperationTimeout dead0'
            'ComputerTimeout,Get-UserSession OperationTimeout dead1'
            'ComputerTimeout,Get-UserSession OperationTimeout dead2'
            'ComputerTimeout,Get-UserSession OperationTimeout dead3'
        )
        $lines.Count | Should -Be 6
    }
}
