# End to end against real logins: Debian's sshd on 127.0.0.1 (its own port, config and keys), test
# users with keys, ssh clients holding ptys, all made by the fixture server's 'sshd.*' ops. sshd
# writes /run/utmp as on a real server; the module reads it through the helper and logs sessions
# off for real, in this PowerShell, in child PowerShells and typed at a real terminal (tmux).
#
# Without root or sshd the file is skipped and says why; with CI=true that is a failure. The
# mission line acts on every idle session of the machine: the harness holds a machine-wide lock
# while its sshd runs, so no other suite makes sessions meanwhile.

BeforeDiscovery {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    $sshd = Get-TestSshdAvailability
}

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'Tmux.psm1')) -Force
    $script:Mission = 'Get-UserSession | Where Idle -gt 30m | Stop-UserSession'
    $script:Users = 'st-e2e-ann', 'st-e2e-ben', 'st-e2e-cid'
}

Describe 'this machine' {
    It 'can make real sessions, or the reason is known' -ForEach @($sshd) {
        if ($Failure) { throw $Failure }
        if (-not $Ok) { Set-ItResult -Skipped -Because $Reason }
    }
}

Describe 'real ssh sessions' -Skip:(-not $sshd.Ok) {
    BeforeAll {
        # This PowerShell's module reads the machine's utmp with the local backend.
        $script:ssh = Start-TestSshd -Users $script:Users
        $script:terminal = $null

        function Open-Session([string[]] $User) {
            # Logs each user in over ssh: objects with User, Tty, SessionId (the session id: its shell's kernel session), LoginTime.
            foreach ($u in $User) { Open-TestSshSession -Context $script:ssh -User $u }
        }
        function Set-Idle($Session, [int] $Minutes) {
            $null = Invoke-TestFixture -Fixture $script:ssh.Fixture -Op 'sshd.setIdle' -Arguments @{ leaderPid = $Session.LeaderPid; minutes = $Minutes }
        }
        function Test-Alive($Session) { Test-TestSshAlive -Context $script:ssh -Session $Session }
        function Test-LoggedOff($Session, [int] $TimeoutMs = 15000) {
            # Whether the session ends (its ssh client is told the connection closed) within TimeoutMs.
            Wait-Until { -not (Test-Alive $Session) } -TimeoutMs $TimeoutMs
        }
    }
    AfterEach {
        if ($script:terminal) { Stop-TmuxTerminal $script:terminal; $script:terminal = $null }
        Close-TestSshSessions -Context $script:ssh
    }
    AfterAll { Stop-TestSshd -Context $script:ssh }

    It 'Get-UserSession lists them with user, tty, client address, state, logon time and idle time' {
        $a, $b = Open-Session $script:Users[0], $script:Users[1]
        $out = @(Get-UserSession -Id $a.SessionId, $b.SessionId)
        $out.Count | Should -Be 2
        foreach ($s in $a, $b) {
            $o = @($out | Where-Object SessionId -EQ $s.SessionId)
            $o.Count | Should -Be 1 -Because "the session of $($s.User) is listed"
            $o = $o[0]
            $o.GetType().FullName | Should -Be 'SessionTools.UserSession'
            $o.ComputerName | Should -Be ([System.Net.Dns]::GetHostName())
            $o.UserName | Should -Be $s.User
            $o.Domain | Should -Be $null
            $o.SessionName | Should -Be $s.Tty
            $o.State | Should -Be 'Active'
            $o.ClientName | Should -Be '127.0.0.1' # sshd with UseDNS no records the address as the host
            $o.ClientAddress | Should -Be '127.0.0.1'
            $o.Idle.ToString('c') | Should -Match '^(\d+s|\dm)$'
            $login = [datetime]::Parse([string] $s.LoginTime, [cultureinfo]::InvariantCulture, [System.Globalization.DateTimeStyles]::RoundtripKind)
            if ($s.LoginTime -is [datetime]) { $login = $s.LoginTime }
            [Math]::Abs(($o.LogonTime.ToUniversalTime() - $login.ToUniversalTime()).TotalMilliseconds) | Should -BeLessThan 2000
            $o.ConnectTime | Should -Be $o.LogonTime
            [Math]::Abs(([datetime]::Now - $o.Idle.TimeSpan - $o.LastInputTime).TotalSeconds) | Should -BeLessThan 5
            $o.DisconnectTime | Should -Be $null
            $o.IsLocked | Should -Be $null
            $o.Protocol | Should -Be $null
        }
    }

    It 'the mission line with -Confirm:$false -Wait -PassThru logs off exactly the idle session' {
        $idle, $busy = Open-Session $script:Users[0], $script:Users[1]
        Set-Idle $idle 45
        $stopped = @(Get-UserSession | Where Idle -gt 30m | Stop-UserSession -Confirm:$false -Wait -PassThru)
        $stopped.SessionId | Should -Be $idle.SessionId
        $stopped[0].UserName | Should -Be $idle.User
        $stopped[0].State | Should -BeExactly 'LoggedOff' -Because '-PassThru writes the session as it is after the log off'
        Test-ProcessGone $idle.SessionId | Should -BeTrue -Because '-Wait returns once the session has ended'
        Test-LoggedOff $idle | Should -BeTrue
        Test-Alive $busy | Should -BeTrue
    }

    It '-WhatIf shows the idle session and touches nothing' {
        $idle = Open-Session $script:Users[0]
        Set-Idle $idle 45
        $run = Invoke-TestPwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$(Get-TestModulePath)' -ErrorAction Stop; $script:Mission -WhatIf"
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $run.Stdout | Should -BeLike "*What if: Performing the operation ""Log off"" on target ""session $($idle.SessionId) ($($idle.User) on $($idle.Tty)) on *"
        Test-LoggedOff $idle -TimeoutMs 1500 | Should -BeFalse
    }

    It 'Stop-UserSession -Id of a session that is gone is ObjectNotFound' {
        $s = Open-Session $script:Users[0]
        Close-TestSshSession -Context $script:ssh -Session $s
        $out = @(Stop-UserSession -Id $s.SessionId -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -Be 'SessionNotFound,Stop-UserSession'
        $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'a helper killed between two calls does not break the second; Remove-Module leaves no helper' {
        $s = Open-Session $script:Users[0]
        $code = @'
Import-Module $env:SESSIONTOOLS_TEST_MODULE -ErrorAction Stop
function Get-Helper { @(Get-Process | Where-Object { $_.Parent.Id -eq $PID -and $_.CommandLine -like '*helper.mjs*' } | ForEach-Object Id) }
$null = Get-UserSession
$old = Get-Helper
[System.Diagnostics.Process]::GetProcessById($old[0]).Kill()
(Get-UserSession -Id $env:SESSIONTOOLS_TEST_SESSION).UserName
$new = Get-Helper
"helpers: $($old.Count) then $($new.Count), same: $($old[0] -eq $new[0])"
Remove-Module SessionTools
"after Remove-Module: $((Get-Helper).Count)"
$new[0]
'@
        $run = Invoke-TestPwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $code -Environment @{
            SESSIONTOOLS_TEST_MODULE = Get-TestModulePath; SESSIONTOOLS_TEST_SESSION = $s.SessionId }
        $run.Stderr | Should -BeNullOrEmpty
        $lines = @($run.Stdout.Trim() -split '\r?\n')
        $lines[0..2] | Should -Be $s.User, 'helpers: 1 then 1, same: False', 'after Remove-Module: 0'
        Test-ProcessGone ([int] $lines[3]) | Should -BeTrue
    }

    Context 'the mission line typed at the interactive shell' {
        BeforeAll {
            function Start-Shell {
                # The PowerShell under test at a terminal, with the module imported.
                $script:terminal = Start-TmuxTerminal
                Send-TmuxLine $script:terminal "Import-Module '$(Get-TestModulePath)' -ErrorAction Stop"
                $null = Wait-TmuxPrompt $script:terminal -TimeoutMs 30000
            }
            function Wait-Question {
                # The next confirmation question on the terminal: its Text, and the session id it names (Target).
                $text = Wait-TmuxText $script:terminal -Pattern '\(default is "Y"\): ?$' -TimeoutMs 30000
                $m = [regex]::Match($text, 'Performing the operation "Log off" on target "session (\d+) \(')
                [pscustomobject] @{ Text = $text; Target = $(if ($m.Success) { [int] $m.Groups[1].Value }) }
            }
            function Send-Answer([string] $Answer) { Send-TmuxLine $script:terminal $Answer }
            $script:ChoiceLine = '[Y] Yes  [A] Yes to All  [N] No  [L] No to All  [S] Suspend  [?] Help (default is "Y"):'
        }

        It 'asks; ? shows what each answer does and asks again; A logs off every idle session and no other' {
            $a, $b, $busy = Open-Session $script:Users
            Set-Idle $a 45
            Set-Idle $b 90
            Start-Shell
            Send-TmuxLine $script:terminal $script:Mission
            $q = Wait-Question
            $q.Text | Should -BeLike '*Are you sure you want to perform this action?*'
            $q.Text | Should -Match ([regex]::Escape($script:ChoiceLine))
            $q.Target | Should -BeIn $a.SessionId, $b.SessionId
            Send-Answer '?'
            $help = Wait-Question
            foreach ($line in 'Y - Continue with only the next step of the operation.', 'A - Continue with all the steps of the operation.',
                'N - Skip this operation and proceed with the next operation.', 'L - Skip this operation and all subsequent operations.') {
                $help.Text -split "`n" | Should -Contain $line
            }
            $help.Text | Should -Match ([regex]::Escape($script:ChoiceLine))
            Send-Answer 'A'
            Wait-TmuxPrompt $script:terminal -TimeoutMs 30000 | Should -Not -BeLike '*(default is "Y")*'
            Test-LoggedOff $a | Should -BeTrue
            Test-LoggedOff $b | Should -BeTrue
            Test-Alive $busy | Should -BeTrue
        }

        It 'Y logs off the session it asks about, N spares one, L spares it and every later one without asking' {
            $sessions = @(Open-Session ($script:Users + $script:Users[0]))
            foreach ($s in $sessions) { Set-Idle $s 45 }
            $ids = @($sessions | ForEach-Object SessionId)
            Start-Shell
            Send-TmuxLine $script:terminal $script:Mission
            $asked = foreach ($answer in 'Y', 'N', 'L') {
                $q = Wait-Question
                $q.Target | Should -BeIn $ids
                Send-Answer $answer
                $q.Target
            }
            $asked | Select-Object -Unique | Should -HaveCount 3
            Wait-TmuxPrompt $script:terminal -TimeoutMs 30000 | Should -Not -BeLike '*(default is "Y")*'
            $yes = $sessions | Where-Object SessionId -EQ $asked[0]
            Test-LoggedOff $yes | Should -BeTrue
            foreach ($s in $sessions | Where-Object SessionId -NE $asked[0]) {
                Test-Alive $s | Should -BeTrue -Because "session $($s.SessionId) was answered N or L, or never asked about"
            }
        }

        It 'N to each logs off none' {
            $a, $b = Open-Session $script:Users[0], $script:Users[1]
            Set-Idle $a 45
            Set-Idle $b 45
            Start-Shell
            Send-TmuxLine $script:terminal $script:Mission
            $first = Wait-Question
            Send-Answer 'N'
            $second = Wait-Question
            Send-Answer 'N'
            $null = Wait-TmuxPrompt $script:terminal -TimeoutMs 30000
            @($first.Target, $second.Target) | Sort-Object | Should -Be (@($a.SessionId, $b.SessionId) | Sort-Object)
            Test-LoggedOff $a -TimeoutMs 1500 | Should -BeFalse
            Test-Alive $b | Should -BeTrue
        }
    }
}
