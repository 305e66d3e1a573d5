# Stop-UserSession hands piped sessions to the helper in batches while the pipeline runs (the
# catalog's batch size, 64), when nothing is asked or shown (Client/CommandCall.cs): the helper logs
# off the first ones while PowerShell still binds the rest. What the user sees stays as with one
# request: every outcome, each error with its session, -PassThru in input order, written at the
# end; a prompt or -WhatIf still comes first, for every session, and then one request carries the
# accepted ones. Real session leaders recorded in a utmp file.

BeforeAll {
    . ([System.IO.Path]::Combine($PSScriptRoot, 'UtmpSessions.ps1'))
    function New-Users([int] $Count) { @(0..($Count - 1) | ForEach-Object { 'st-b{0:d3}' -f $_ }) }
    function Get-RequestsSent {
        $base = (Get-Module SessionTools).ModuleBase
        ([SessionTools.Rpc.HelperClient]::Instances | Where-Object ModuleBase -EQ $base | Select-Object -Last 1).RequestsSent
    }
}

AfterAll { Stop-UtmpSessions }

Describe 'piped sessions go to the helper in batches as they come' {
    AfterEach { Stop-UtmpLeader }

    It '150 sessions with -Force -Wait -PassThru: three requests of at most 64; all LoggedOff, in input order, all gone' {
        $pids = New-UtmpSession (New-Users 150)
        $piped = @(Get-UserSession)
        $piped.Count | Should -Be 150
        $before = Get-RequestsSent
        $out = @($piped | Stop-UserSession -Force -Wait -PassThru -ErrorAction Stop)
        (Get-RequestsSent) - $before | Should -Be 3
        $out.Count | Should -Be 150
        @($out | ForEach-Object SessionId) | Should -Be @($piped | ForEach-Object SessionId)
        @($out | Where-Object State -NE 'LoggedOff').Count | Should -Be 0
        @($pids | Where-Object { -not (Test-ProcessGone $_) }).Count | Should -Be 0
    }

    It 'sessions gone before the log-off: each its SessionNotFound error with its session, in input order, across batches; the rest logged off' {
        $pids = New-UtmpSession (New-Users 140)
        $piped = @(Get-UserSession)
        $gone = $piped[10], $piped[100]
        foreach ($s in $gone) { Stop-Process -Id $s.SessionId -Force }
        foreach ($s in $gone) { Wait-Until { Test-ProcessGone $s.SessionId } -TimeoutMs 5000 | Should -BeTrue }
        $out = @($piped | Stop-UserSession -Force -Wait -PassThru -ErrorVariable ev -ErrorAction SilentlyContinue)
        $ev.Count | Should -Be 2
        @($ev | ForEach-Object { $_.FullyQualifiedErrorId }) | Should -BeExactly 'SessionNotFound,Stop-UserSession', 'SessionNotFound,Stop-UserSession'
        @($ev | ForEach-Object { $_.TargetObject.SessionId }) | Should -Be @($gone | ForEach-Object SessionId)
        $ev[0].TargetObject | Should -BeOfType ([SessionTools.UserSession])
        $out.Count | Should -Be 138
        @($out | ForEach-Object SessionId) | Should -Be @($piped | Where-Object { $_ -notin $gone } | ForEach-Object SessionId)
        @($pids | Where-Object { -not (Test-ProcessGone $_) }).Count | Should -Be 0
    }

    It 'without -Wait the answers are the same: every session logged off, one request per 64' {
        $pids = New-UtmpSession (New-Users 70)
        $null = Get-UserSession -Id 1 -ErrorAction SilentlyContinue # the helper started
        $before = Get-RequestsSent
        $out = @(Get-UserSession | Stop-UserSession -Force -PassThru -ErrorAction Stop)
        (Get-RequestsSent) - $before | Should -Be 3 # the listing, then 64 and 6
        $out.Count | Should -Be 70
        Wait-Until { @($pids | Where-Object { -not (Test-ProcessGone $_) }).Count -eq 0 } -TimeoutMs 15000 | Should -BeTrue
    }
}

Describe 'what is asked or shown still comes first, for every session' {
    AfterEach { Stop-UtmpLeader }

    It '-WhatIf: a line for each of 70 sessions, no log-off request, nobody logged off' {
        $pids = New-UtmpSession (New-Users 70)
        $run = Invoke-ModulePwsh -Script @'
$client = [SessionTools.Rpc.HelperClient]::Instances[-1]
$sessions = @(Get-UserSession)
$before = $client.RequestsSent
$sessions | Stop-UserSession -WhatIf
'requests: ' + ($client.RequestsSent - $before)
'@
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        @($run.Stdout -split '\r?\n' | Where-Object { $_ -like 'What if: *' }).Count | Should -Be 70
        $run.Stdout | Should -Match 'requests: 0\b'
        @($pids | Where-Object { Test-ProcessGone $_ }).Count | Should -Be 0
    }

    It 'a prompt answered "Yes to All" on stdin: every question before any log-off, then one request for all 70' {
        $pids = New-UtmpSession (New-Users 70)
        $run = Invoke-ModulePwsh -Interactive -Stdin "A`n" -Script @'
$client = [SessionTools.Rpc.HelperClient]::Instances[-1]
$sessions = @(Get-UserSession)
$before = $client.RequestsSent
$sessions | Stop-UserSession -Confirm -Wait
'requests: ' + ($client.RequestsSent - $before)
'@
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $run.Stdout | Should -Match 'requests: 1\b'
        @($pids | Where-Object { -not (Test-ProcessGone $_) }).Count | Should -Be 0
    }
}
