# Sessions survive serialization (issue 10, finding 4). After Export-Clixml/Import-Clixml and
# Start-Job/Receive-Job, Idle is a SessionTools.Duration again, so `Where Idle -gt 30m` compares
# durations, never text, and the times are [datetime]s; where the module is not loaded, such a
# compare is a loud error, never a text compare. Export-Csv and ConvertTo-Json write Idle (and
# ConvertTo-Json the times) so that they read back exactly. Invoke-Command over SSH:
# tests/e2e/Remoting.Tests.ps1. Real sessions of the module's type, made with the Idle each test needs.

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    Import-Module (Get-TestModulePath) -Force
    # One session idle 45 minutes and three idle 3 minutes, the issue's case: as text, "3m" -gt
    # "30m" is true, so a text compare lets all four through. Run here and inside a job.
    $script:MakeSessions = @'
        $logon = [datetime]::new(2026, 11, 30, 8, 15, 42, [System.DateTimeKind]::Utc).AddTicks(1234567).ToLocalTime()
        foreach ($s in @(@('ann', '45m'), @('ben', '3m'), @('cid', '3m'), @('dot', '2m09.437s'))) {
            $o = [SessionTools.UserSession]::new()
            $o.ComputerName = 'srv01'; $o.SessionId = 3 + $o.GetHashCode() % 1000; $o.UserName = $s[0]; $o.SessionName = 'pts/' + $s[0].Length
            $o.State = 'Active'; $o.Idle = [SessionTools.Duration]::Parse($s[1]); $o.LogonTime = $logon; $o.LastInputTime = $logon.AddHours(1)
            $o
        }
'@
    $script:sessions = @(& ([scriptblock]::Create($script:MakeSessions)))
    $script:dir = Join-Path ([System.IO.Path]::GetTempPath()) "st-serialization-$PID"
    $null = New-Item -ItemType Directory -Path $script:dir -Force
}

AfterAll { Remove-Item -LiteralPath $script:dir -Recurse -Force -ErrorAction Ignore }

Describe 'Export-Clixml and Import-Clixml' {
    BeforeAll {
        $script:xml = Join-Path $script:dir 'sessions.xml'
        $script:sessions | Export-Clixml -LiteralPath $script:xml
        $script:back = @(Import-Clixml -LiteralPath $script:xml)
    }
    It 'gives deserialized sessions whose Idle is a Duration again and whose times are [datetime]s' {
        $script:back.Count | Should -Be 4
        for ($i = 0; $i -lt 4; $i++) {
            $script:back[$i].pstypenames[0] | Should -Be 'Deserialized.SessionTools.UserSession'
            $script:back[$i].Idle | Should -BeOfType [SessionTools.Duration]
            $script:back[$i].Idle.Ticks | Should -Be $script:sessions[$i].Idle.Ticks
            $script:back[$i].LogonTime | Should -BeOfType [datetime]
            $script:back[$i].LogonTime.ToUniversalTime() | Should -Be $script:sessions[$i].LogonTime.ToUniversalTime()
            $script:back[$i].LastInputTime.ToUniversalTime() | Should -Be $script:sessions[$i].LastInputTime.ToUniversalTime()
        }
    }
    It 'Where Idle -gt 30m keeps only the session idle 45 minutes' {
        @($script:back | Where Idle -gt 30m | ForEach-Object UserName) | Should -Be 'ann'
        @($script:back | Where-Object { $_.Idle -lt '3m' } | ForEach-Object UserName) | Should -Be 'dot'
        @($script:back | Sort-Object Idle | ForEach-Object UserName)[0, 3] | Should -Be 'dot', 'ann'
    }
}

Describe 'Start-Job and Receive-Job' {
    It 'Where Idle -gt 30m on the received sessions keeps only the session idle 45 minutes' {
        $job = Start-Job -ScriptBlock {
            param($ModulePath, $Make)
            Import-Module $ModulePath -ErrorAction Stop
            & ([scriptblock]::Create($Make))
        } -ArgumentList (Get-TestModulePath), $script:MakeSessions
        try {
            $received = @($job | Wait-Job -Timeout 60 | Receive-Job)
        } finally {
            $job | Remove-Job -Force
        }
        $received.Count | Should -Be 4
        $received[0].pstypenames[0] | Should -Be 'Deserialized.SessionTools.UserSession'
        $received | ForEach-Object { $_.Idle | Should -BeOfType [SessionTools.Duration] }
        @($received | Where Idle -gt 30m | ForEach-Object UserName) | Should -Be 'ann'
        $received[3].Idle.ToString() | Should -Be '2m09.437s'
        $received[0].LogonTime | Should -BeOfType [datetime]
    }
}

Describe 'where the module is not loaded' {
    It 'a compare with the deserialized Idle is an error, never a text compare that lets sessions through' {
        $xml = Join-Path $script:dir 'for-bare-pwsh.xml'
        $script:sessions | Export-Clixml -LiteralPath $xml
        $script = "`$s = Import-Clixml -LiteralPath '$xml'; `$s | Where Idle -gt 30m | ForEach-Object { 'PASSED ' + `$_.UserName }; 'TYPE ' + `$s[0].Idle.GetType().FullName"
        $run = Invoke-TestPwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $script
        $run.Stdout | Should -Not -Match 'PASSED' -Because 'no session may pass a filter that cannot compare'
        $run.Stdout | Should -Match 'TYPE System.Management.Automation.PSObject'
        $run.Stderr | Should -Match 'IComparable'
        $strict = Invoke-TestPwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', "`$ErrorActionPreference = 'Stop'; $script"
        $strict.ExitCode | Should -Not -Be 0
        $strict.Stdout | Should -Not -Match 'PASSED'
    }
}

Describe 'Export-Csv and Import-Csv' {
    It 'writes Idle exactly, and [SessionTools.Duration] of the text equals the original' {
        $csv = Join-Path $script:dir 'sessions.csv'
        $script:sessions | Export-Csv -LiteralPath $csv
        $text = Get-Content -LiteralPath $csv -Raw
        $text | Should -Match '"2m09\.437s"'
        $rows = @(Import-Csv -LiteralPath $csv)
        for ($i = 0; $i -lt 4; $i++) {
            ([SessionTools.Duration] $rows[$i].Idle).Equals($script:sessions[$i].Idle) | Should -BeTrue -Because $rows[$i].Idle
        }
        @($rows | Where-Object { [SessionTools.Duration] $_.Idle -gt '30m' } | ForEach-Object UserName) | Should -Be 'ann'
    }
    It 'the text of <Text> reads back to the same tick' -TestCases @(
        @{ Text = '0s'; Ticks = 0 }
        @{ Text = '0.0000001s'; Ticks = 1 }
        @{ Text = '2m09.437s'; Ticks = 1294370000 }
        @{ Text = '2h05m13s'; Ticks = 75130000000 }
        @{ Text = '3d04h00m07.25s'; Ticks = 2736072500000 }
        @{ Text = '1h00m00.0000001s'; Ticks = 36000000001 }
        @{ Text = '-1m30s'; Ticks = -900000000 }
        @{ Text = '10675199d02h48m05.4775807s'; Ticks = [long]::MaxValue }
    ) {
        $d = [SessionTools.Duration]::new([timespan]::FromTicks($Ticks))
        $d.ToString() | Should -BeExactly $Text
        ([SessionTools.Duration] $d.ToString()).Ticks | Should -Be $Ticks
    }
    It 'the table still shows the compact form: <Exact> as <Compact>' -TestCases @(
        @{ Exact = '2m09.437s'; Compact = '2m' }
        @{ Exact = '2h05m13s'; Compact = '2h05m' }
        @{ Exact = '3d04h00m07.25s'; Compact = '3d04h' }
        @{ Exact = '45s'; Compact = '45s' }
    ) {
        ([SessionTools.Duration] $Exact).ToString('c') | Should -BeExactly $Compact
    }
}

Describe 'ConvertTo-Json and ConvertFrom-Json' {
    It 'writes Idle as its exact Ticks and the times as ISO 8601, without truncation, and both read back' {
        $json = $script:sessions | ConvertTo-Json -WarningVariable warned -WarningAction SilentlyContinue
        $warned.Count | Should -Be 0 -Because 'a session fits the default depth of 2'
        $json | Should -Not -Match '"TimeSpan"'
        $json | Should -Match '"Ticks": 1294370000'
        $json | Should -Match '"LogonTime": "2026-11-30T\d\d:\d\d:42\.1234567'
        $rows = @($json | ConvertFrom-Json)
        for ($i = 0; $i -lt 4; $i++) {
            ([SessionTools.Duration] $rows[$i].Idle).Equals($script:sessions[$i].Idle) | Should -BeTrue
            ([datetime] $rows[$i].LogonTime).ToUniversalTime() | Should -Be $script:sessions[$i].LogonTime.ToUniversalTime()
        }
    }
    It 'a Duration still offers TimeSpan in PowerShell, as a hidden property' {
        $d = [SessionTools.Duration] '1h30m'
        $d.TimeSpan | Should -Be ([timespan]::FromMinutes(90))
        [timespan] $d | Should -Be ([timespan]::FromMinutes(90))
        @($d | Get-Member -MemberType Properties | ForEach-Object Name) | Should -Not -Contain 'TimeSpan'
    }
}
