# The module as a Windows administrator installs it, in the Windows build of PowerShell: copied to
# $env:ProgramFiles\PowerShell\Modules\SessionTools (a path with a space), imported by name, its
# helper started as bin\node.exe from there, against the wtsapi32 double built as a Windows DLL.
#
# Runs only in Windows PowerShell under wine64 (tests/wts/windows-pester.test.ts passes the Windows
# stage of the module in SESSIONTOOLS_TEST_MODULE and the double in SESSIONTOOLS_TEST_WTSAPI). Named
# *.WineTests.ps1 so that the Linux run (tests/pester.ps1: tests/**/*.Tests.ps1) leaves it out.

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    if (-not $IsWindows) { throw 'WindowsHost.WineTests.ps1 runs in Windows PowerShell only' }
    $script:Fixture = Start-TestFixture
    $script:Dir = Invoke-TestFixture -Fixture $script:Fixture -Op 'dir'
    $script:SavedEnv = @{}
    foreach ($name in 'SESSIONTOOLS_WTSAPI_PATH', 'WTSDOUBLE_FIXTURE', 'WTSDOUBLE_LOG') {
        $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name)
    }
    $env:SESSIONTOOLS_WTSAPI_PATH = $env:SESSIONTOOLS_TEST_WTSAPI
    $env:WTSDOUBLE_FIXTURE = [System.IO.Path]::Combine($script:Dir, 'fixture')
    $env:WTSDOUBLE_LOG = [System.IO.Path]::Combine($script:Dir, 'log')

    $script:Installed = [System.IO.Path]::Combine($env:ProgramFiles, 'PowerShell', 'Modules', 'SessionTools')
    Remove-Item -LiteralPath $script:Installed -Recurse -Force -ErrorAction Ignore
    Copy-Item -LiteralPath ([System.IO.Path]::GetDirectoryName((Get-TestModulePath))) -Destination $script:Installed -Recurse

    function Set-WtsFixture {
        $sessions = @(
            @{ id = 1; state = 'Active'; winStation = 'Console'; user = 'ann'; domain = 'CONTOSO'; lastInput = @{ minutesAgo = 2 }; protocol = 0 }
            @{ id = 2; state = 'Disconnected'; winStation = ''; user = 'bob'; domain = 'CONTOSO'; disconnect = @{ minutesAgo = 90 }; protocol = 2 }
        )
        $null = Invoke-TestFixture -Fixture $script:Fixture -Op 'double.fixture' -Arguments @{ path = $env:WTSDOUBLE_FIXTURE; servers = @(@{ name = '.'; sessions = $sessions }) }
    }
    function Get-WtsLog { @(Invoke-TestFixture -Fixture $script:Fixture -Op 'double.log' -Arguments @{ path = $env:WTSDOUBLE_LOG }) }
    # The helpers running from the installed module (the fixture server is another node.exe).
    $script:NodeExe = [System.IO.Path]::Combine($script:Installed, 'bin', 'node.exe')
    function Get-InstalledHelper { @(Get-Process -Name node -ErrorAction Ignore | Where-Object Path -EQ $script:NodeExe) }
}

AfterAll {
    Remove-Module SessionTools -ErrorAction Ignore
    Remove-Item -LiteralPath $script:Installed -Recurse -Force -ErrorAction Ignore
    foreach ($name in $script:SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedEnv[$name]) }
    Stop-TestFixture -Fixture $script:Fixture
}

Describe 'SessionTools installed in Program Files' {
    BeforeEach {
        Remove-Module SessionTools -ErrorAction Ignore
        Remove-Item -LiteralPath $env:WTSDOUBLE_LOG -ErrorAction Ignore
        Set-WtsFixture
    }

    It 'is imported by name and starts bin\node.exe from its own folder' {
        $PSVersionTable.Platform | Should -BeExactly 'Win32NT'
        $module = Import-Module SessionTools -PassThru -ErrorAction Stop
        $module.ModuleBase | Should -Be $script:Installed

        (Get-UserSession).UserName | Should -BeExactly 'ann', 'bob'

        Get-InstalledHelper | Should -HaveCount 1
    }

    It 'logs off with -Force, by the double''s log, and Remove-Module ends node.exe' {
        Import-Module SessionTools -ErrorAction Stop
        Get-UserSession | Where-Object Idle -GT 30m | Stop-UserSession -Force -ErrorAction Stop
        $logoffs = @(Get-WtsLog | Where-Object event -EQ 'logoff')
        $logoffs.session | Should -Be 2
        (Get-UserSession).UserName | Should -BeExactly 'ann'

        $helper = Get-InstalledHelper
        $helper | Should -HaveCount 1
        Remove-Module SessionTools
        $helper[0].WaitForExit(10000) | Should -BeTrue
        Get-InstalledHelper | Should -HaveCount 0
    }

    It 'prints the table in a child PowerShell, with Windows line ends' {
        $run = Invoke-TestPwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', 'Get-UserSession | Format-Table -AutoSize' -TimeoutSec 120
        $run.Stderr | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
        $lines = $run.Stdout -split "`r`n"
        @($lines -match '^\s*1 ann\s+Console\s+Active\s+2m\b') | Should -HaveCount 1 -Because $run.Stdout
        @($lines -match '^\s*2 bob\s+Disconnected\s+1h30m\b') | Should -HaveCount 1 -Because $run.Stdout
        $run.Stdout | Should -Not -Match '[^\r]\n' -Because 'every line ends with CR LF'
    }
}
