# The deployable scripts of examples/, run as Intune and Group Policy run them: `pwsh -NonInteractive
# -File <script>` with stdin closed, the module found by name (PSModulePath), as root and as a
# standard user (setpriv, TestFixture.psm1 Invoke-TestPwshAs). Their exit codes and effects are
# asserted against real ssh sessions (the fixture server's sshd) and, for the logon script, against
# the wtsapi32 double, where sessions can be disconnected. Their 5.1 syntax: Syntax.Tests.ps1.

BeforeDiscovery {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    $sshd = Get-TestSshdAvailability
}

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    # The scripts run as a standard user too, who may not read the checkout (a clone under /root):
    # they run from a copy in a folder every user may read, as a deployed script would.
    $script:Shared = "/var/tmp/sessiontools-test-pwsh/examples-$PID"
    $null = [System.IO.Directory]::CreateDirectory($script:Shared)
    $script:Examples = [System.IO.Path]::Combine($script:Shared, 'examples')
    Copy-Item -LiteralPath ([System.IO.Path]::Combine((Get-TestRoot), 'examples')) -Destination $script:Examples -Recurse -Force
    $script:Detect = [System.IO.Path]::Combine($script:Examples, 'intune', 'Detect-IdleSessions.ps1')
    $script:Remediate = [System.IO.Path]::Combine($script:Examples, 'intune', 'Remediate-IdleSessions.ps1')
    $script:LogonScript = [System.IO.Path]::Combine($script:Examples, 'gpo', 'Stop-OtherDisconnectedSessions.ps1')

    # The module under test, found by name as an installed one is: <dir>/SessionTools -> module/.
    $modules = [System.IO.Path]::Combine($script:Shared, 'modules')
    $null = [System.IO.Directory]::CreateDirectory($modules)
    $link = [System.IO.Path]::Combine($modules, 'SessionTools')
    if (-not (Test-Path -LiteralPath $link)) { $null = New-Item -ItemType SymbolicLink -Path $link -Target (Split-Path (Get-TestModulePathForAll)) }
    [System.IO.File]::SetUnixFileMode($script:Shared, [System.IO.UnixFileMode] 'UserRead, UserWrite, UserExecute, GroupRead, GroupWrite, GroupExecute, OtherRead, OtherWrite, OtherExecute')
    $script:Env = @{ PSModulePath = $modules; SESSIONTOOLS_UTMP_PATH = ''; SESSIONTOOLS_WTSAPI_PATH = '' }

    function Invoke-Example([string] $Script, [string[]] $Arguments = @(), [string] $User, [hashtable] $Environment = $script:Env) {
        # Exactly as a scheduler runs it: no profile, non-interactive, -File, stdin closed.
        $a = @('-NoProfile', '-NonInteractive', '-File', $Script) + $Arguments
        if ($User) { Invoke-TestPwshAs -User $User -ArgumentList $a -Environment $Environment -TimeoutSec 120 }
        else { Invoke-TestPwsh -ArgumentList $a -Environment $Environment -TimeoutSec 120 }
    }
}

AfterAll {
    if ($script:Shared -and (Test-Path -LiteralPath $script:Shared)) { Remove-Item -LiteralPath $script:Shared -Recurse -Force }
}

Describe 'the examples' {
    It '<_> has a comment-based help header with a synopsis, a description and an example' -ForEach @(
        'intune/Detect-IdleSessions.ps1', 'intune/Remediate-IdleSessions.ps1', 'gpo/Stop-OtherDisconnectedSessions.ps1'
    ) {
        $path = [System.IO.Path]::Combine($script:Examples, $_)
        $help = Get-Help $path -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match ([regex]::Escape([System.IO.Path]::GetFileName($path)))
        ($help.Description | Out-String) | Should -Match 'Exit codes'
        @($help.Examples.Example).Count | Should -BeGreaterThan 0
        [System.IO.File]::ReadAllText($path) | Should -Match "(?m)^\`$ErrorActionPreference = 'Stop'"
    }
}

# Skipped only where this machine cannot make real ssh logins (no sshd, not root: Get-TestSshdAvailability
# gives the reason); under CI=true that fails discovery instead of skipping.
Describe 'the Intune pair and the logon script on real ssh sessions' -Skip:(-not $sshd.Ok) {
    BeforeAll {
        $script:Users = 'st-ex-ann', 'st-ex-ben'
        $script:ssh = Start-TestSshd -Users $script:Users
        function Open-Session([string] $User, [int] $IdleMinutes = 0) { Open-TestSshSession -Context $script:ssh -User $User -IdleMinutes $IdleMinutes }
        function Test-Alive($Session) { Test-TestSshAlive -Context $script:ssh -Session $Session }
        function Get-Output($Session) { Get-TestSshOutput -Context $script:ssh -Session $Session }
        function Get-Id($Session) { (Get-UserSession | Where-Object SessionName -EQ $Session.Tty).SessionId }
    }
    AfterEach { Close-TestSshSessions -Context $script:ssh }
    AfterAll { Stop-TestSshd -Context $script:ssh }

    It 'Detect exits 1 naming the idle session, as root and as a standard user; 0 when none is over the limit' {
        $ann = Open-Session $script:Users[0] -IdleMinutes 150
        $ben = Open-Session $script:Users[1]
        foreach ($user in $null, $script:Users[1]) {
            $r = Invoke-Example $script:Detect -User $user
            $r.ExitCode | Should -Be 1 -Because "$user $($r.Stdout) $($r.Stderr)"
            $r.Stdout | Should -Match "Session $(Get-Id $ann) of $($script:Users[0]) is Active, idle 2h3\dm"
            $r.Stdout | Should -Not -Match "Session $(Get-Id $ben) "
            $r.Stderr | Should -BeNullOrEmpty
            $r = Invoke-Example $script:Detect -Arguments '-IdleLimit', '30d', '-DisconnectedLimit', '30d' -User $user
            $r.ExitCode | Should -Be 0 -Because "$user $($r.Stdout) $($r.Stderr)"
            $r.Stdout | Should -Match 'No session is idle'
        }
        Test-Alive $ann | Should -BeTrue
    }

    It 'a forgotten unit fails Detect (exit 1 and the reason), as a parameter and written into the filter' {
        $null = Open-Session $script:Users[0] -IdleMinutes 150
        $r = Invoke-Example $script:Detect -Arguments '-IdleLimit', '30'
        $r.ExitCode | Should -Be 1
        $r.Stdout | Should -Match "The check failed: A duration needs a unit: '30'"
        # An admin's edit: Where Idle -gt 30. $ErrorActionPreference = 'Stop' makes it fail, not exit 0.
        $edited = [System.IO.Path]::Combine($script:Shared, 'Detect-Edited.ps1')
        $text = [System.IO.File]::ReadAllText($script:Detect)
        $text.Contains('$_.Idle -gt $idle') | Should -BeTrue
        [System.IO.File]::WriteAllText($edited, $text.Replace('$_.Idle -gt $idle', '$_.Idle -gt 30'))
        $r = Invoke-Example $edited
        $r.ExitCode | Should -Be 1 -Because $r.Stdout
        $r.Stdout | Should -Match 'The check failed: .*needs a unit'
    }

    It 'Remediate warns the idle session, waits, logs it off, and leaves the active one; exit 0' {
        $ann = Open-Session $script:Users[0] -IdleMinutes 150
        $ben = Open-Session $script:Users[1]
        $r = Invoke-Example $script:Remediate -Arguments '-GracePeriod', '2s', '-Message', 'Save now, please.'
        $r.ExitCode | Should -Be 0 -Because "$($r.Stdout) $($r.Stderr)"
        $r.Stdout | Should -Match 'Warned 1 session\(s\); logging off in 2s\.'
        $r.Stdout | Should -Match "Logged off session \d+ of $($script:Users[0])\."
        $r.Ms | Should -BeGreaterThan 2000
        Get-Output $ann | Should -Match 'Save now, please\.'
        Wait-Until { -not (Test-Alive $ann) } -TimeoutMs 15000 | Should -BeTrue
        Test-Alive $ben | Should -BeTrue
        Get-Output $ben | Should -Not -Match 'Save now'
    }

    It 'Remediate reports a session that ended during the grace period, and exits 0' {
        $ann = Open-Session $script:Users[0] -IdleMinutes 150
        $fixtureModule = [System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')
        $job = Start-ThreadJob {
            Import-Module $using:fixtureModule
            Invoke-TestPwsh -ArgumentList '-NoProfile', '-NonInteractive', '-File', $using:Remediate, '-GracePeriod', '8s' -Environment $using:Env -TimeoutSec 120
        }
        try {
            Wait-Until { (Get-Output $ann) -match 'logged off soon' } -TimeoutMs 60000 | Should -BeTrue
            Close-TestSshSession -Context $script:ssh -Session $ann
            $r = $job | Wait-Job -Timeout 120 | Receive-Job
        } finally { $job | Remove-Job -Force }
        $r.ExitCode | Should -Be 0 -Because $r.Stdout
        $r.Stdout | Should -Match "ended on its own"
        $r.Stdout | Should -Not -Match 'Could not log off'
    }

    It 'Remediate as a standard user logs off no one else''s session, shows them nothing, and exits 1' {
        $ann = Open-Session $script:Users[0] -IdleMinutes 150
        $r = Invoke-Example $script:Remediate -Arguments '-GracePeriod', '1s', '-Message', 'From ben.' -User $script:Users[1]
        $r.ExitCode | Should -Be 1 -Because $r.Stdout
        $r.Stdout | Should -Match 'No message: Permission denied'
        $r.Stdout | Should -Match "Could not log off session \d+ of $($script:Users[0]): Permission denied"
        $r.Stderr | Should -BeNullOrEmpty
        Test-Alive $ann | Should -BeTrue
        Get-Output $ann | Should -Not -Match 'From ben'
    }

    It 'the logon script, run without a session of its own, ends nothing and exits 0 (root and standard user)' {
        $ann = Open-Session $script:Users[0] -IdleMinutes 150
        foreach ($user in $null, $script:Users[0]) {
            $r = Invoke-Example $script:LogonScript -User $user
            $r.ExitCode | Should -Be 0 -Because "$user $($r.Stdout) $($r.Stderr)"
            $r.Stdout | Should -Match 'runs in no user session'
        }
        Test-Alive $ann | Should -BeTrue
    }
}

Describe 'the logon script against the wtsapi32 double (disconnected sessions)' {
    BeforeAll {
        $script:WtsFixture = Start-TestFixture
        $double = Invoke-TestFixture -Fixture $script:WtsFixture -Op 'double.build' -Arguments @{ kind = 'linux' }
        # The helper runs as the user too: the fixture and the log are in a folder every user can write.
        $dir = [System.IO.Path]::Combine($script:Shared, 'wts')
        $null = [System.IO.Directory]::CreateDirectory($dir)
        [System.IO.File]::SetUnixFileMode($dir, [System.IO.UnixFileMode] 'UserRead, UserWrite, UserExecute, GroupRead, GroupWrite, GroupExecute, OtherRead, OtherWrite, OtherExecute')
        $script:WtsEnv = $script:Env.Clone()
        $script:WtsEnv.SESSIONTOOLS_WTSAPI_PATH = $double
        $script:WtsEnv.WTSDOUBLE_FIXTURE = [System.IO.Path]::Combine($dir, 'fixture')
        $sessions = @(
            @{ id = 1; state = 'Active'; winStation = 'Console'; user = 'admin'; domain = 'CONTOSO' }
            @{ id = 2; state = 'Active'; winStation = 'RDP-Tcp#1'; user = 'jdoe'; domain = 'CONTOSO' }
            @{ id = 3; state = 'Disconnected'; winStation = ''; user = 'jdoe'; domain = 'CONTOSO' }
            @{ id = 4; state = 'Disconnected'; winStation = ''; user = 'other'; domain = 'CONTOSO' }
            @{ id = 5; state = 'Active'; winStation = 'RDP-Tcp#2'; user = 'jdoe'; domain = 'CONTOSO' }
            @{ id = 6; state = 'Disconnected'; winStation = ''; user = 'jdoe'; domain = 'FABRIKAM' }
        )
        $null = Invoke-TestFixture -Fixture $script:WtsFixture -Op 'double.fixture' -Arguments @{ path = $script:WtsEnv.WTSDOUBLE_FIXTURE; servers = @(@{ name = '.'; sessions = $sessions }); options = @{ self = 2 } }
        $script:Runs = 0
        function Get-Logoffs([string] $Log) { @(@(Invoke-TestFixture -Fixture $script:WtsFixture -Op 'double.log' -Arguments @{ path = $Log }) | Where-Object event -EQ 'logoff') }
    }
    AfterAll { Stop-TestFixture $script:WtsFixture }

    It 'ends only the user''s other disconnected session of the same domain, never its own; exit 0 (as <Who>)' -ForEach @(
        @{ Who = 'root'; User = $null }, @{ Who = 'a standard user'; User = 'st-alice' }
    ) {
        if ($User -and -not (Get-Content /etc/passwd | Where-Object { $_.StartsWith("$User`:") })) { Set-ItResult -Skipped -Because "no user $User here" }
        $script:Runs++
        $log = [System.IO.Path]::Combine((Split-Path $script:WtsEnv.WTSDOUBLE_FIXTURE), "log-$($script:Runs)")
        $environment = $script:WtsEnv.Clone()
        $environment.WTSDOUBLE_LOG = $log
        $r = Invoke-Example $script:LogonScript -User $User -Environment $environment
        $r.ExitCode | Should -Be 0 -Because "$($r.Stdout) $($r.Stderr)"
        $r.Stdout | Should -Match 'Logged off disconnected session 3 of jdoe\.'
        $logoffs = Get-Logoffs $log
        $logoffs.Count | Should -Be 1
        $logoffs[0].session | Should -Be 3
    }
}
