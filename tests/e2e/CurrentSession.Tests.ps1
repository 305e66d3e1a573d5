# Get-UserSession -Current and IsCurrent: the session PowerShell itself runs in.
# - Linux, real ssh logins: a PowerShell typed at the ssh session's shell (as its user) finds its
#   own session by its terminal, and only that one; this PowerShell (no such terminal) finds none.
# - Windows stack against the wtsapi32 double: the helper's own session is the fixture's `self`
#   (ProcessIdToSessionId of its pid); a remote server's session with the same id is not it.

BeforeDiscovery {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    $sshd = Get-TestSshdAvailability
}

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
}

Describe 'IsCurrent on the WTS stack (double)' {
    BeforeAll {
        $script:Fixture = Start-TestFixture
        $script:Dir = Invoke-TestFixture -Fixture $script:Fixture -Op 'dir'
        $double = $env:SESSIONTOOLS_TEST_WTSAPI
        if (-not $double) {
            $kind = if ($IsWindows) { 'windows' } else { 'linux' }
            $double = Invoke-TestFixture -Fixture $script:Fixture -Op 'double.build' -Arguments @{ kind = $kind }
        }
        $script:SavedEnv = @{}
        foreach ($name in 'SESSIONTOOLS_WTSAPI_PATH', 'WTSDOUBLE_FIXTURE', 'WTSDOUBLE_LOG') { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }
        $env:SESSIONTOOLS_WTSAPI_PATH = $double
        $env:WTSDOUBLE_FIXTURE = [System.IO.Path]::Combine($script:Dir, 'wts-current-fixture')
        $env:WTSDOUBLE_LOG = [System.IO.Path]::Combine($script:Dir, 'wts-current-log')
        $sessions = @(
            @{ id = 1; state = 'Active'; winStation = 'Console'; user = 'admin'; domain = 'CONTOSO' }
            @{ id = 2; state = 'Active'; winStation = 'RDP-Tcp#1'; user = 'jdoe'; domain = 'CONTOSO' }
            @{ id = 3; state = 'Disconnected'; winStation = ''; user = 'jdoe'; domain = 'CONTOSO' }
        )
        $servers = @(@{ name = '.'; sessions = $sessions }, @{ name = 'rds01'; sessions = $sessions })
        $null = Invoke-TestFixture -Fixture $script:Fixture -Op 'double.fixture' -Arguments @{ path = $env:WTSDOUBLE_FIXTURE; servers = $servers; options = @{ self = 2 } }
        Remove-Module SessionTools -ErrorAction Ignore
        Import-Module (Get-TestModulePath) -Force -ErrorAction Stop
    }
    AfterAll {
        Remove-Module SessionTools -ErrorAction Ignore
        Stop-TestFixture $script:Fixture
        foreach ($name in $script:SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedEnv[$name]) }
    }

    It 'IsCurrent is true for the helper''s own session only, and false on another computer' {
        $all = @(Get-UserSession -ComputerName localhost, rds01)
        $all.Count | Should -Be 6
        $current = @($all | Where-Object IsCurrent)
        $current.Count | Should -Be 1
        $current[0].SessionId | Should -Be 2
        $current[0].ComputerName | Should -Not -Be 'rds01'
        ($all | Where-Object { -not $_.IsCurrent }).IsCurrent | Should -Not -Contain $null
    }

    It '-Current writes only that session' {
        $s = @(Get-UserSession -Current)
        $s.Count | Should -Be 1
        $s[0].SessionId | Should -Be 2
        $s[0].IsCurrent | Should -BeTrue
        @(Get-UserSession -Current -ComputerName rds01).Count | Should -Be 0
    }

    It 'the logon-script line ends the same user''s other disconnected sessions, not its own' {
        $me = Get-UserSession -Current
        Get-UserSession -UserName $me.UserName -State Disconnected | Where-Object { -not $_.IsCurrent } | Stop-UserSession -Force
        $logoffs = @(Invoke-TestFixture -Fixture $script:Fixture -Op 'double.log' -Arguments @{ path = $env:WTSDOUBLE_LOG }) | Where-Object event -EQ 'logoff'
        @($logoffs).Count | Should -Be 1
        $logoffs.session | Should -Be 3
    }
}

# Skipped only where this machine cannot make real ssh logins (no sshd, not root: Get-TestSshdAvailability
# gives the reason); under CI=true that fails discovery instead of skipping.
Describe 'IsCurrent on real ssh sessions' -Skip:(-not $sshd.Ok) {
    BeforeAll {
        $script:ssh = Start-TestSshd -Users 'st-cur-ann', 'st-cur-ben'
    }
    AfterEach { Close-TestSshSessions -Context $script:ssh }
    AfterAll { Stop-TestSshd -Context $script:ssh }

    It 'a PowerShell started in an ssh session finds that session with -Current; this one finds none' {
        $a = Open-TestSshSession -Context $script:ssh -User 'st-cur-ann'
        $b = Open-TestSshSession -Context $script:ssh -User 'st-cur-ben'
        $module = Get-TestModulePathForAll
        # Typed at ann's shell: the PowerShell under test, as ann, on her terminal.
        $line = "$(Get-TestPwshForAll) -NoProfile -NonInteractive -Command 'Import-Module $module; `$s = @(Get-UserSession -Current); `$all = @(Get-UserSession | Where-Object IsCurrent); Write-Output (""CURRENT="" + `$s.Count + ""/"" + `$all.Count + ""/"" + `$s[0].SessionName + ""/"" + `$s[0].UserName)'`n"
        $null = Invoke-TestFixture -Fixture $script:ssh.Fixture -Op 'sshd.send' -Arguments @{ leaderPid = $a.LeaderPid; text = $line }
        $seen = Wait-Until { (Get-TestSshOutput -Context $script:ssh -Session $a) -match 'CURRENT=\d' } -TimeoutMs 90000
        $out = Get-TestSshOutput -Context $script:ssh -Session $a
        $seen | Should -BeTrue -Because $out
        $out | Should -Match "CURRENT=1/1/$([regex]::Escape($a.Tty))/st-cur-ann"
        # This PowerShell runs in neither session.
        @(Get-UserSession | Where-Object { $_.SessionName -in $a.Tty, $b.Tty -and $_.IsCurrent }).Count | Should -Be 0
        @(Get-UserSession | Where-Object SessionName -In $a.Tty, $b.Tty).Count | Should -Be 2
    }
}
