# Lock-UserSession: Windows locks only the caller's own session (LockWorkStation); every other
# session, and every Linux session, is a NotSupportedOnPlatform error that names what to use
# instead. Windows is the real helper and WTS backend on the C double of wtsapi32/user32, whose log
# shows whether LockWorkStation was called; Linux is the real helper on real session leaders.

BeforeAll {
    . ([System.IO.Path]::Combine($PSScriptRoot, 'UtmpSessions.ps1'))
    $script:Dir = Invoke-TestFixture -Fixture $script:Fixture -Op 'dir'
    $script:Double = Invoke-TestFixture -Fixture $script:Fixture -Op 'double.build' -Arguments @{ kind = 'linux' }
    foreach ($name in 'SESSIONTOOLS_WTSAPI_PATH', 'WTSDOUBLE_FIXTURE', 'WTSDOUBLE_LOG') {
        $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name)
    }
    $script:Runs = 0

    # A fresh helper on the double: this computer has sessions 1 (console), 2 and 3 (RDP); the
    # helper runs in session 2 (the fixture's `self`), as if PowerShell had been started there.
    function Use-Double {
        $script:Runs++
        $env:SESSIONTOOLS_WTSAPI_PATH = $script:Double
        $env:WTSDOUBLE_FIXTURE = [System.IO.Path]::Combine($script:Dir, "lock-fixture-$($script:Runs)")
        $env:WTSDOUBLE_LOG = [System.IO.Path]::Combine($script:Dir, "lock-log-$($script:Runs)")
        $local = @{
            name = '.'
            sessions = @(
                @{ id = 1; state = 'Active'; winStation = 'Console'; user = 'admin'; domain = 'CONTOSO'; locked = 0; protocol = 0 }
                @{ id = 2; state = 'Active'; winStation = 'RDP-Tcp#1'; user = 'jdoe'; domain = 'CONTOSO'; locked = 0; protocol = 2 }
                @{ id = 3; state = 'Active'; winStation = 'RDP-Tcp#2'; user = 'ann'; domain = 'CONTOSO'; locked = 0; protocol = 2 }
            )
        }
        $null = Invoke-TestFixture -Fixture $script:Fixture -Op 'double.fixture' -Arguments @{ path = $env:WTSDOUBLE_FIXTURE; servers = @($local); options = @{ self = 2 } }
        Remove-Module SessionTools -ErrorAction Ignore
        Import-Module (Get-TestModulePath) -Force -ErrorAction Stop
    }
    function Get-LockCall { @(Invoke-TestFixture -Fixture $script:Fixture -Op 'double.log' -Arguments @{ path = $env:WTSDOUBLE_LOG }) | Where-Object event -EQ 'lock' }
}

AfterAll {
    Stop-UtmpSessions
}

Describe 'Lock-UserSession on Windows (wtsapi32 and user32 double)' {
    AfterEach {
        foreach ($name in 'SESSIONTOOLS_WTSAPI_PATH', 'WTSDOUBLE_FIXTURE', 'WTSDOUBLE_LOG') { [Environment]::SetEnvironmentVariable($name, $script:SavedEnv[$name]) }
        Remove-Module SessionTools -ErrorAction Ignore
    }

    It "locks the caller's own session through LockWorkStation, once, and -PassThru shows it locked" {
        Use-Double
        (Get-UserSession -Id 2).IsLocked | Should -BeFalse
        $out = @(Lock-UserSession -Id 2 -PassThru -ErrorVariable ev)
        $ev.Count | Should -Be 0
        $out.Count | Should -Be 1
        $out[0] | Should -BeOfType ([SessionTools.UserSession])
        $out[0].SessionId | Should -Be 2
        $out[0].IsLocked | Should -BeTrue
        $calls = @(Get-LockCall)
        $calls.Count | Should -Be 1
        $calls[0].session | Should -Be 2
        $calls[0].ok | Should -BeTrue
    }

    It "another session of this computer: NotSupportedOnPlatform naming the caller's session and Disconnect-UserSession; LockWorkStation is not called" {
        Use-Double
        $piped = Get-UserSession -Id 3
        $out = @($piped | Lock-UserSession -PassThru -ErrorVariable ev -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeExactly 'NotSupportedOnPlatform,Lock-UserSession'
        [string] $ev[0].CategoryInfo.Category | Should -BeExactly 'NotImplemented'
        $ev[0].Exception.Message | Should -BeLike "Session 3 cannot be locked: Windows locks only the session the caller runs in (LockWorkStation), and session 3 is not this PowerShell's own session (2). Use Disconnect-UserSession*"
        $ev[0].TargetObject.SessionId | Should -Be 3
        @(Get-LockCall).Count | Should -Be 0
        (Get-UserSession -Id 3).IsLocked | Should -BeFalse
    }

    It 'a session of another computer: the same error, without asking any computer' {
        Use-Double
        $null = Lock-UserSession -Id 2 -ComputerName rds01 -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeExactly 'NotSupportedOnPlatform,Lock-UserSession'
        $ev[0].Exception.Message | Should -BeLike '*session 2 is on rds01, another computer. Use Disconnect-UserSession*'
        $log = @(Invoke-TestFixture -Fixture $script:Fixture -Op 'double.log' -Arguments @{ path = $env:WTSDOUBLE_LOG })
        @($log | Where-Object event -In 'open', 'lock').Count | Should -Be 0
    }

    It 'own and other sessions in one call: the own one is locked, the other is its error, in order' {
        Use-Double
        $out = @(Lock-UserSession -Id 3, 2 -PassThru -ErrorVariable ev -ErrorAction SilentlyContinue)
        $out.SessionId | Should -Be 2
        @($ev.TargetObject) | Should -Be 3
        @(Get-LockCall).session | Should -Be 2
    }

    It '-WhatIf locks nothing' {
        Use-Double
        Lock-UserSession -Id 2 -WhatIf
        @(Get-LockCall).Count | Should -Be 0
        (Get-UserSession -Id 2).IsLocked | Should -BeFalse
    }

    It 'has ConfirmImpact Medium and SupportsShouldProcess, as Disconnect-UserSession' {
        Use-Double
        $meta = [System.Management.Automation.CommandMetadata]::new((Get-Command Lock-UserSession))
        $meta.ConfirmImpact | Should -Be 'Medium'
        $meta.SupportsShouldProcess | Should -BeTrue
    }
}

Describe 'Lock-UserSession on Linux' -Skip:(-not $IsLinux) {
    AfterEach { Stop-UtmpLeader }

    It 'a real session: NotSupportedOnPlatform naming loginctl lock-session and Stop-UserSession; the session lives on' {
        $leader = New-UtmpSession -User alice
        $session = Get-UserSession -Id $leader[0]
        $out = @($session | Lock-UserSession -Force -PassThru -ErrorVariable ev -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeExactly 'NotSupportedOnPlatform,Lock-UserSession'
        [string] $ev[0].CategoryInfo.Category | Should -BeExactly 'NotImplemented'
        $ev[0].Exception.Message | Should -BeExactly "Session $($leader[0]) cannot be locked: a Linux terminal session has no lock screen. For a graphical session of systemd-logind use ``loginctl lock-session <its logind id>``; else Stop-UserSession logs it off."
        Test-ProcessGone -ProcessId $leader[0] | Should -BeFalse
        @(Get-UserSession -Id $leader[0]).Count | Should -Be 1
    }

    It 'another computer: the Linux backend names only this one' {
        $null = New-UtmpSession -User alice
        $null = Lock-UserSession -Id 1 -ComputerName elsewhere -Force -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -BeExactly 'NotSupportedOnPlatform,Lock-UserSession'
        $ev[0].Exception.Message | Should -BeLike "Cannot act on sessions of computer 'elsewhere'*"
    }
}
