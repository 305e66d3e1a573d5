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

# Skipped only where this machine cannot make real ssh logins (no sshd, not root: Get-TestSshdAvailability
# gives the reason); under CI=true that fails discovery instead of skipping.
Describe 'Send-UserSessionMessage to real ssh sessions' -Skip:(-not $sshd.Ok) {
    BeforeAll {
        $script:ssh = Start-TestSshd -Users $script:Users
        function Open-Session([string] $User) { Open-TestSshSession -Context $script:ssh -User $User }
        function Get-Output($Session) { Get-TestSshOutput -Context $script:ssh -Session $Session }
        function Get-Id($Session) {
            # The session's Id as Get-UserSession lists it (found by its terminal).
            $found = @(Get-UserSession | Where-Object SessionName -EQ $Session.Tty)
            $found.Count | Should -Be 1 -Because "one session on $($Session.Tty)"
            $found[0].SessionId
        }
    }
    AfterEach { Close-TestSshSessions -Context $script:ssh }
    AfterAll { Stop-TestSshd -Context $script:ssh }

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
        Close-TestSshSession -Context $script:ssh -Session $a
        $null = Send-UserSessionMessage -Id $id -Text 'gone' -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Match '^SessionNotFound'
    }

    It 'a standard user cannot write to another user''s terminal: AccessDenied, nothing written' {
        $a = Open-Session $script:Users[0]
        $b = Open-Session $script:Users[1]
        # The PowerShell under test as st-msg-ben (setpriv: no shell), sending to ann's session.
        $module = (Get-TestModulePathForAll).Replace("'", "''")
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
