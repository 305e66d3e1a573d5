# Write-Progress on a fan-out or a batch of log-offs that takes longer than a second, seen where a
# person would see it: a real terminal (tmux) running the PowerShell under test, against the
# wtsapi32 test double with slow servers. At the interactive shell the progress bar shows how many
# computers answered (or how many sessions a log-off waits for); in a PowerShell started with
# -NonInteractive at the same terminal (an unattended script) none is ever drawn, and the sessions
# are the same. A fan-out that answers within a second draws none either.

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'Tmux.psm1')) -Force
    $script:Fixture = Start-TestFixture
    $script:Dir = Invoke-TestFixture -Fixture $script:Fixture -Op 'dir'
    $script:Double = Invoke-TestFixture -Fixture $script:Fixture -Op 'double.build' -Arguments @{ kind = 'linux' }
    $script:WtsFixture = [System.IO.Path]::Combine($script:Dir, 'progress-fixture')
    $script:Terminal = $null
    # Six servers of one session each; each call to one takes LatencyMs (two round trips a server).
    function Set-Servers([int] $LatencyMs) {
        $servers = @(@{ name = '.'; sessions = @() }) + @(0..5 | ForEach-Object {
                @{ name = "slow$_"; latencyMs = $LatencyMs; sessions = @(@{ id = 2; state = 'Active'; winStation = 'RDP-Tcp#2'; user = "user$_"; domain = 'LAB'; clientName = "PC$_"; address = "10.0.0.$_"; protocol = 2 }) }
            })
        $null = Invoke-TestFixture -Fixture $script:Fixture -Op 'double.fixture' -Arguments @{ path = $script:WtsFixture; servers = $servers }
    }
    $script:Names = (0..5 | ForEach-Object { "'slow$_'" }) -join ','
    $script:Env = @{ SESSIONTOOLS_WTSAPI_PATH = $script:Double; WTSDOUBLE_FIXTURE = $script:WtsFixture }
    $script:Import = "Import-Module '$((Get-TestModulePath).Replace("'", "''"))' -ErrorAction Stop"
    # The bar's text as PowerShell draws it: the helper's count.
    $script:Bar = '\d of 6 computers answered'

    function Start-Shell([int] $LatencyMs) {
        # The PowerShell under test at a terminal, with the module imported, servers of that latency.
        Set-Servers -LatencyMs $LatencyMs
        $script:Terminal = Start-TmuxTerminal -Environment $script:Env
        $null = Invoke-TmuxLine $script:Terminal $script:Import -TimeoutMs 30000
    }
    function Invoke-Watched([string] $Line, [string] $Until = '(?m)^count=\d+ *$') {
        # Types Line and returns every screen captured until $Until shows.
        Send-TmuxLine $script:Terminal $Line
        Watch-Screen -Until $Until
    }
    function Watch-Screen([string] $Until, [int] $TimeoutMs = 60000) {
        # Captures the terminal every 50 ms until $Until (a regex) shows; every capture is returned.
        $seen = [System.Collections.Generic.List[string]]::new()
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        while ($watch.ElapsedMilliseconds -lt $TimeoutMs) {
            $screen = (Get-TmuxScreen $script:Terminal) -join "`n"
            $seen.Add($screen)
            if ($screen -match $Until) { return , $seen.ToArray() }
            Start-Sleep -Milliseconds 50
        }
        throw "'$Until' did not show within $TimeoutMs ms; last screen:`n$($seen[-1])"
    }
}

AfterAll {
    Stop-TestFixture $script:Fixture
}

Describe 'Write-Progress on a long fan-out' {
    AfterEach {
        if ($script:Terminal) { Stop-TmuxTerminal $script:Terminal; $script:Terminal = $null }
    }

    It 'at the interactive shell, the bar counts the computers answered, and is gone with the answer' {
        Start-Shell -LatencyMs 400
        $screens = Invoke-Watched "`$s = @(Get-UserSession -ComputerName $($script:Names) -ThrottleLimit 1); 'count=' + `$s.Count"
        @($screens | Where-Object { $_ -match $script:Bar }).Count | Should -BeGreaterThan 0
        $screens[-1] | Should -Match '(?m)^count=6 *$'
        $screens[-1] | Should -Not -Match $script:Bar
    }

    It 'in a PowerShell started with -NonInteractive at the same terminal, no bar is ever drawn' {
        Start-Shell -LatencyMs 400
        # The same listing in a child PowerShell started with -NonInteractive, at this terminal.
        $inner = "$($script:Import); `$s = @(Get-UserSession -ComputerName $($script:Names) -ThrottleLimit 1); 'count=' + `$s.Count"
        $encoded = [Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($inner))
        $screens = Invoke-Watched "& '$(Get-TestPwsh)' -NoLogo -NoProfile -NonInteractive -EncodedCommand $encoded"
        $screens.Count | Should -BeGreaterThan 10 # watched all along the ~5 s the listing takes
        $screens[-1] | Should -Match '(?m)^count=6 *$'
        @($screens | Where-Object { $_ -match 'computers answered' }).Count | Should -Be 0
    }

    It 'a batch of log-offs that takes over a second shows how many sessions it waits for' {
        Start-Shell -LatencyMs 400
        $screens = Invoke-Watched "`$s = @(Get-UserSession -ComputerName $($script:Names) | Stop-UserSession -Force -Wait -PassThru); 'count=' + `$s.Count"
        @($screens | Where-Object { $_ -match '6 sessions, waiting for them' }).Count | Should -BeGreaterThan 0
        $screens[-1] | Should -Match '(?m)^count=6 *$'
        $screens[-1] | Should -Not -Match 'waiting for them'
    }

    It 'a fan-out that answers within a second draws no bar' {
        Start-Shell -LatencyMs 20
        # The first call starts the helper and its worker threads, which a loaded machine can take over a second for.
        $null = Invoke-Watched "`$null = Get-UserSession -ComputerName $($script:Names); 'warm'" -Until '(?m)^warm *$'
        $screens = Invoke-Watched "`$w = [Diagnostics.Stopwatch]::StartNew(); `$s = @(Get-UserSession -ComputerName $($script:Names)); 'count=' + `$s.Count + ' ms=' + `$w.ElapsedMilliseconds" -Until '(?m)^count=\d+ ms=\d+ *$'
        $screens[-1] | Should -Match '(?m)^count=6 ms=\d+ *$'
        $ms = [int] [regex]::Match($screens[-1], '(?m)^count=6 ms=(\d+)').Groups[1].Value
        if ($ms -ge 900) { Set-ItResult -Skipped -Because "the listing took $ms ms on this machine, near the second after which the bar is due"; return }
        @($screens | Where-Object { $_ -match 'computers answered' }).Count | Should -Be 0
    }
}
