# Tab completion of -Id and -UserName (the completer codegen/emit-completion.ts writes into the
# module): TabExpansion2, as the console calls it, offers the live sessions of this computer (real
# session leaders recorded in a utmp file) or of the computer -ComputerName names (the wtsapi32
# double), each computer asked once per few seconds (the helper's request trace counts the asks).

BeforeAll {
    . ([System.IO.Path]::Combine($PSScriptRoot, 'UtmpSessions.ps1'))
    foreach ($name in 'SESSIONTOOLS_HELPER_TRACE', 'SESSIONTOOLS_WTSAPI_PATH', 'WTSDOUBLE_FIXTURE', 'WTSDOUBLE_LOG') {
        $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name)
    }
    $script:Dir = Invoke-TestFixture -Fixture $script:Fixture -Op 'dir'
    $script:Runs = 0

    # The completion texts and tooltips TabExpansion2 gives for the input, cursor at its end.
    function Complete([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches)
    }
    # A new helper that traces its requests to a new file; returns a function that counts its sessions.list requests.
    function Use-Trace {
        $script:Runs++
        $env:SESSIONTOOLS_HELPER_TRACE = [System.IO.Path]::Combine($script:Dir, "completion-trace-$($script:Runs)")
        Remove-Module SessionTools -ErrorAction Ignore
        Import-Module (Get-TestModulePath) -Force -ErrorAction Stop
    }
    function Get-ListRequestCount {
        if (-not (Test-Path -LiteralPath $env:SESSIONTOOLS_HELPER_TRACE)) { return 0 }
        @(Get-Content -LiteralPath $env:SESSIONTOOLS_HELPER_TRACE | Where-Object { $_ -match 'sessions\.list' }).Count
    }
}

AfterAll {
    Stop-UtmpSessions
}

Describe 'Tab completion from the live sessions of this computer' -Skip:(-not $IsLinux) {
    BeforeAll {
        $script:Pids = New-UtmpSession -User 'st-comp-ann', 'st-comp-bob'
        Use-Trace
    }
    AfterAll {
        Stop-UtmpLeader
        $env:SESSIONTOOLS_HELPER_TRACE = $script:SavedEnv['SESSIONTOOLS_HELPER_TRACE']
    }

    It "Stop-UserSession -Id offers each session's id, with its user in the tooltip; an uncached and a cached completion are timed" {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $first = Complete 'Stop-UserSession -Id '
        $uncachedMs = $watch.Elapsed.TotalMilliseconds
        $watch.Restart()
        $second = Complete 'Stop-UserSession -Id '
        $cachedMs = $watch.Elapsed.TotalMilliseconds
        Write-Host ("completion of Stop-UserSession -Id: uncached {0:N0} ms (the helper started), cached {1:N1} ms" -f $uncachedMs, $cachedMs)

        $first.CompletionText | Should -Be @($script:Pids | Sort-Object | ForEach-Object { [string] $_ })
        ($first | Where-Object CompletionText -EQ ([string] $script:Pids[0])).ToolTip | Should -BeLike "$($script:Pids[0]) st-comp-ann pts/*"
        @($first.ResultType | Sort-Object -Unique) | Should -Be 'ParameterValue'
        $second.CompletionText | Should -Be $first.CompletionText
        Get-ListRequestCount | Should -Be 1 -Because 'the second completion within the cache time asks no one'
        $cachedMs | Should -BeLessThan 200
        $cachedMs | Should -BeLessThan $uncachedMs
    }

    It 'Get-UserSession -UserName offers the users, once each, and narrows by what is typed' {
        (Complete 'Get-UserSession -UserName ').CompletionText | Should -Be 'st-comp-ann', 'st-comp-bob'
        (Complete 'Get-UserSession -UserName st-comp-b').CompletionText | Should -Be 'st-comp-bob'
        (Complete "Get-UserSession -UserName 'st-comp-a").CompletionText | Should -Be 'st-comp-ann'
        @(Complete 'Get-UserSession -UserName nobody*').Count | Should -Be 0
    }

    It 'the other commands with -Id complete it too, and a typed prefix narrows the ids' {
        foreach ($command in 'Disconnect-UserSession', 'Lock-UserSession', 'Get-UserSessionProcess', 'Get-UserSession') {
            (Complete "$command -Id ").CompletionText | Should -Be @($script:Pids | Sort-Object | ForEach-Object { [string] $_ }) -Because $command
        }
        $prefix = ([string] $script:Pids[1]).Substring(0, ([string] $script:Pids[1]).Length - 1)
        (Complete "Stop-UserSession -Id $prefix").CompletionText | Should -Contain ([string] $script:Pids[1])
    }

    It 'after the cache time the sessions are asked again (timed, with the helper running)' {
        $before = Get-ListRequestCount
        Start-Sleep -Milliseconds 5200
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $null = Complete 'Stop-UserSession -Id '
        Write-Host ("completion of Stop-UserSession -Id after the cache time, the helper running: {0:N1} ms" -f $watch.Elapsed.TotalMilliseconds)
        Get-ListRequestCount | Should -Be ($before + 1)
    }
}

Describe 'Tab completion from the computer -ComputerName names (wtsapi32 double)' {
    BeforeAll {
        $double = Invoke-TestFixture -Fixture $script:Fixture -Op 'double.build' -Arguments @{ kind = 'linux' }
        $env:SESSIONTOOLS_WTSAPI_PATH = $double
        $env:WTSDOUBLE_FIXTURE = [System.IO.Path]::Combine($script:Dir, 'completion-fixture')
        $env:WTSDOUBLE_LOG = [System.IO.Path]::Combine($script:Dir, 'completion-log')
        $servers = @(
            @{ name = '.'; sessions = @(@{ id = 1; state = 'Active'; winStation = 'Console'; user = 'admin'; domain = 'CONTOSO' }) }
            @{
                name = 'rds01'
                sessions = @(
                    @{ id = 7; state = 'Active'; winStation = 'RDP-Tcp#9'; user = 'ann'; domain = 'CONTOSO' }
                    @{ id = 12; state = 'Disconnected'; winStation = ''; user = 'Jo Ann'; domain = 'CONTOSO' }
                )
            }
            @{ name = 'slow01'; latencyMs = 60000; sessions = @(@{ id = 3; state = 'Active'; winStation = 'RDP-Tcp#1'; user = 'bob'; domain = 'CONTOSO' }) }
        )
        $null = Invoke-TestFixture -Fixture $script:Fixture -Op 'double.fixture' -Arguments @{ path = $env:WTSDOUBLE_FIXTURE; servers = $servers }
        Use-Trace
    }
    AfterAll {
        foreach ($name in 'SESSIONTOOLS_HELPER_TRACE', 'SESSIONTOOLS_WTSAPI_PATH', 'WTSDOUBLE_FIXTURE', 'WTSDOUBLE_LOG') { [Environment]::SetEnvironmentVariable($name, $script:SavedEnv[$name]) }
        Remove-Module SessionTools -ErrorAction Ignore
    }

    It "offers that computer's sessions and users, not this computer's; a name with a space comes quoted" {
        (Complete 'Stop-UserSession -ComputerName rds01 -Id ').CompletionText | Should -Be '7', '12'
        (Complete 'Get-UserSession -ComputerName rds01 -UserName ').CompletionText | Should -Be 'ann', "'Jo Ann'"
        (Complete 'Get-UserSession -UserName ').CompletionText | Should -Be 'admin'
        (Complete 'Disconnect-UserSession -Id 1 -ComputerName rds01; Stop-UserSession -Id ').CompletionText | Should -Be '1'
    }

    It 'a computer that does not answer offers no session, within its listing timeout, and shows no error' {
        $Error.Clear()
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $out = Complete 'Stop-UserSession -ComputerName slow01 -Id '
        $watch.Stop()
        # No session is offered (PowerShell then falls back to its own completion, of file names).
        @($out | Where-Object ResultType -EQ 'ParameterValue').Count | Should -Be 0
        $out.CompletionText | Should -Not -Contain '3'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        $Error.Count | Should -Be 0
    }
}
