# `npm start` (tools/start.ps1), the README's first command, in a PowerShell of its own: this
# machine's sessions as a table, a line when there are none, and when they cannot be listed the
# error and exit code 1, never "no one is logged on". Real helper, real leaders, real pwsh.

BeforeAll {
    . ([System.IO.Path]::Combine($PSScriptRoot, 'UtmpSessions.ps1'))
    $script:Start = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'tools', 'start.ps1'))
    $script:Dir = Join-Path ([System.IO.Path]::GetTempPath()) "st-start-$PID"
    $null = New-Item -ItemType Directory -Path $script:Dir -Force

    function Invoke-Start([string] $Utmp) {
        Invoke-TestPwsh -ArgumentList '-NoProfile', '-NonInteractive', '-File', $script:Start -Environment @{ SESSIONTOOLS_UTMP_PATH = $Utmp; NO_COLOR = '1' }
    }
}

AfterAll {
    Stop-UtmpSessions
    Remove-Item -LiteralPath $script:Dir -Recurse -Force
}

Describe 'npm start (tools/start.ps1)' {
    AfterEach { Stop-UtmpLeader }

    It 'lists the recorded sessions as a table, exit code 0' {
        $null = New-UtmpSession -User 'startalice', 'startbob'
        $r = Invoke-Start $env:SESSIONTOOLS_UTMP_PATH
        $r.ExitCode | Should -Be 0
        $r.Stdout | Should -Match '(?m)^\s*\d+\s+startalice\b'
        $r.Stdout | Should -Match '(?m)^\s*\d+\s+startbob\b'
        $r.Stderr | Should -BeNullOrEmpty
    }

    It 'says that no one is logged on when the file records no session, exit code 0' {
        $empty = Join-Path $script:Dir 'empty-utmp'
        [System.IO.File]::WriteAllBytes($empty, [byte[]]::new(0))
        $r = Invoke-Start $empty
        $r.ExitCode | Should -Be 0
        $r.Stdout.Trim() | Should -BeExactly ('No user is logged on to ' + [Environment]::MachineName + '.')
    }

    It 'shows the error and ends with exit code 1 when the sessions cannot be listed (no utmp file), claiming nothing' {
        $r = Invoke-Start (Join-Path $script:Dir 'no-such-utmp')
        $r.ExitCode | Should -Be 1
        $r.Stdout | Should -Not -Match 'No user is logged on'
        # PowerShell's error view wraps the message at the console's width: joined again here.
        ($r.Stderr -replace '\s*\r?\n\s*\|\s*', ' ') | Should -Match "no-such-utmp', which lists the sessions, does not exist\."
    }
}
