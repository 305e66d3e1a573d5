# Send-UserSessionMessage on Linux, against real ssh logins (the fixture server's 'sshd.*' ops): the
# text must reach the session's terminal, read back from the `ssh -tt` client's own output, with a
# banner naming the sender and its control characters made visible; the answer is Async; buttons
# other than OK, another user's terminal for a non-root caller, and -WhatIf send nothing.
#
# Without root or sshd the file is skipped and says why; with CI=true that is a failure.

BeforeDiscovery {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    $sshd = Get-TestSshdAvailability
}

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    $script:Users = 'st-msg-ann', 'st-msg-ben'
}

Describe 'this machine' {
    It 'can make real sessions, or the reason is known' -ForEach @($sshd) {
        if ($Failure) { throw $Failure }
        if (-not $Ok) { Set-ItResult -Skipped -Because $Reason }
    }
}

Describe 'Send-UserSessionMessage to real ssh sessions' -Skip:(-not $sshd.Ok) {
    BeforeAll {
        $script:savedEnv = @{}
        foreach ($name in 'SESSIONTOOLS_UTMP_PATH', 'SESSIONTOOLS_WTSAPI_PATH') {
            $script:savedEnv[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $null)
        }
        Import-Module (Get-TestModulePath) -Force -ErrorAction Stop
        $script:fixture = Start-TestFixture
        $null = Invoke-TestFixture -Fixture $script:fixture -Op 'sshd.start' -Arguments @{ users = $script:Users } -TimeoutSec 660
        $script:opened = [System.Collections.Generic.List[object]]::new()

        function Open-Session([string] $User) {
            $s = Invoke-TestFixture -Fixture $script:fixture -Op 'sshd.open' -Arguments @{ user = $User }
            $script:opened.Add($s)
            $s
        }
        function Get-Id($Session) {
            # The session's Id as Get-UserSession lists it (found by its terminal).
            $found = @(Get-UserSession | Where-Object SessionName -EQ $Session.Tty)
            $found.Count | Should -Be 1 -Because "one session on $($Session.Tty)"
            $found[0].SessionId
        }
        function Get-Output($Session) {
            # What the ssh client printed, its bell shown as <BEL> (a test report cannot hold one).
            ([string] (Invoke-TestFixture -Fixture $script:fixture -Op 'sshd.output' -Arguments @{ leaderPid = $Session.LeaderPid })).Replace([string] [char] 7, '<BEL>')
        }
    }
    AfterEach {
        foreach ($s in $script:opened) { $null = Invoke-TestFixture -Fixture $script:fixture -Op 'sshd.close' -Arguments @{ leaderPid = $s.LeaderPid } }
        $script:opened.Clear()
    }
    AfterAll {
        Remove-Module SessionTools -ErrorAction SilentlyContinue
        if ($script:fixture) {
            try { $null = Invoke-TestFixture -Fixture $script:fixture -Op 'sshd.stop' } finally { Stop-TestFixture $script:fixture }
        }
        foreach ($name in $script:savedEnv.Keys) { [Environment]::SetEnvironmentVariable($name, $script:savedEnv[$name]) }
    }

    It 'writes the banner, the title and the text to the session''s terminal, and answers Async' {
        $a = Open-Session $script:Users[0]
        $b = Open-Session $script:Users[1]
        $r = Get-UserSession -Id (Get-Id $a) | Send-UserSessionMessage -Title 'Maintenance' -Text "The server restarts at 18:00.`nPlease save your work."
        $r.pstypenames[0] | Should -Be 'SessionTools.SessionMessage'
        $r.SessionId | Should -Be (Get-Id $a)
        $r.UserName | Should -BeExactly $script:Users[0]
        $r.Answer | Should -BeExactly 'Async'
        Wait-Until { (Get-Output $a) -match 'Please save your work\.' } -TimeoutMs 5000 | Should -BeTrue
        $out = Get-Output $a
        $out | Should -Match "Message from root@$([regex]::Escape([System.Net.Dns]::GetHostName())) on $([regex]::Escape($a.Tty)) at \d\d:\d\d \.\.\."
        $out | Should -Match '<BEL>Message from'
        $out | Should -Match 'Maintenance\r*\nThe server restarts at 18:00\.\r*\nPlease save your work\.\r*\nEOF'
        # Only the session it was sent to.
        Get-Output $b | Should -Not -Match 'restarts at 18:00'
    }

    It 'shows control characters as ^X, so no escape sequence reaches the terminal' {
        $a = Open-Session $script:Users[0]
        $esc = [char] 27
        $null = Send-UserSessionMessage -Id (Get-Id $a) -Text "title: $esc]0;pwned$([char] 7) end"
        Wait-Until { (Get-Output $a) -match 'end\r*\nEOF' } -TimeoutMs 5000 | Should -BeTrue -Because (Get-Output $a)
        $out = Get-Output $a
        $out | Should -Match ([regex]::Escape('title: ^[]0;pwned^G end'))
        $out | Should -Not -Match ([regex]::Escape("$esc]0;pwned"))
    }

    It '-Buttons other than OK is InvalidArgument for each session, and nothing is written' {
        $a = Open-Session $script:Users[0]
        $out = @(Send-UserSessionMessage -Id (Get-Id $a) -Text 'May I log you off?' -Buttons YesNo -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Match '^InvalidArgument'
        [string] $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs[0].Exception.Message | Should -Match 'takes only -Buttons OK'
        Start-Sleep -Milliseconds 300
        Get-Output $a | Should -Not -Match 'May I log you off'
    }

    It '-WhatIf writes nothing to the terminal' {
        $a = Open-Session $script:Users[0]
        $out = @(Get-UserSession -Id (Get-Id $a) | Send-UserSessionMessage -Text 'not sent' -WhatIf)
        $out.Count | Should -Be 0
        Start-Sleep -Milliseconds 300
        Get-Output $a | Should -Not -Match 'not sent'
    }

    It 'a session that ended is SessionNotFound' {
        $a = Open-Session $script:Users[0]
        $id = Get-Id $a
        $null = Invoke-TestFixture -Fixture $script:fixture -Op 'sshd.close' -Arguments @{ leaderPid = $a.LeaderPid }
        $script:opened.Clear()
        $null = Send-UserSessionMessage -Id $id -Text 'gone' -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Match '^SessionNotFound'
    }

    It 'a standard user cannot write to another user''s terminal: AccessDenied, nothing written' {
        $a = Open-Session $script:Users[0]
        $b = Open-Session $script:Users[1]
        # The PowerShell under test as st-msg-ben (setpriv: no shell), sending to ann's session.
        $module = (Get-TestModulePath).Replace("'", "''")
        $script = "Import-Module '$module' -ErrorAction Stop; Send-UserSessionMessage -Id $(Get-Id $a) -Text 'from ben' -ErrorAction SilentlyContinue -ErrorVariable e; `$e | ForEach-Object { `$_.FullyQualifiedErrorId + ': ' + `$_.Exception.Message }"
        $r = Invoke-TestPwshAs -User $script:Users[1] -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $script
        $r.Stdout | Should -Match '^AccessDenied' -Because $r.Stderr
        Start-Sleep -Milliseconds 300
        Get-Output $a | Should -Not -Match 'from ben'
        # ... and can write to its own.
        $script = "Import-Module '$module' -ErrorAction Stop; (Send-UserSessionMessage -Id $(Get-Id $b) -Text 'note to self').Answer"
        $r = Invoke-TestPwshAs -User $script:Users[1] -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $script
        $r.Stdout.Trim() | Should -BeExactly 'Async' -Because $r.Stderr
        Wait-Until { (Get-Output $b) -match 'note to self' } -TimeoutMs 5000 | Should -BeTrue
    }
}
