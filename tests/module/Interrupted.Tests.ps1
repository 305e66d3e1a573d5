# Calls that do not end normally, typed at the interactive shell in a real terminal (tmux): Ctrl+C
# while Stop-UserSession -Wait waits for a session that will not end, and a helper killed in the
# middle of an action. The session is led by a real process recorded in a utmp file (the fixture
# server's 'utmp.sessions'); it ignores SIGHUP and SIGTERM, so ending it takes the backend's whole
# escalation: SIGHUP, 2 s, SIGTERM, 3 s, SIGKILL.

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'Tmux.psm1')) -Force
    $script:fixture = Start-TestFixture
    $script:terminal = $null

    function New-StubbornSession {
        # One login of st-stubborn, in a utmp file of its own, led by a process that ignores SIGHUP and SIGTERM.
        $s = Invoke-TestFixture -Fixture $script:fixture -Op 'utmp.sessions' -Arguments @{ users = @('st-stubborn'); kind = 'ignoresHupAndTerm' }
        [pscustomobject] @{ Utmp = $s.Utmp; Leader = [int] $s.Pids[0] }
    }
    function Start-Shell([string] $Utmp) {
        # The PowerShell under test at a terminal, reading that utmp file, with the module imported.
        $script:terminal = Start-TmuxTerminal -Environment @{ SESSIONTOOLS_UTMP_PATH = $Utmp }
        Send-TmuxLine $script:terminal "Import-Module '$(Get-TestModulePath)' -ErrorAction Stop"
        $null = Wait-TmuxPrompt $script:terminal -TimeoutMs 30000
    }
    function Get-Helper {
        # Pids of the helpers the shell at the terminal started.
        @(Get-ProcessDescendant -ProcessId $script:terminal.PanePid | Where-Object { $_.CommandLine -like '*helper.mjs*' } | ForEach-Object { $_.Id })
    }
}

AfterAll {
    Stop-TestFixture $script:fixture
}

Describe 'interrupted calls at the interactive shell' {
    AfterEach {
        if ($script:terminal) { Stop-TmuxTerminal $script:terminal; $script:terminal = $null }
    }

    It 'Ctrl+C stops the waiting at once, not the log off; the shell answers and the same helper serves the next calls' {
        $s = New-StubbornSession
        Start-Shell $s.Utmp
        Send-TmuxLine $script:terminal "Stop-UserSession -Id $($s.Leader) -Force -Wait; 'finished'"
        Wait-Until { (Get-Helper).Count -eq 1 } -TimeoutMs 10000 | Should -BeTrue
        Start-Sleep -Milliseconds 700 # inside the wait: SIGHUP sent, SIGTERM not yet
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        Send-TmuxKeys $script:terminal -Key C-c
        $shown = Wait-TmuxPrompt $script:terminal -TimeoutMs 5000
        $watch.ElapsedMilliseconds | Should -BeLessThan 1500
        $shown -split "`n" | Should -Not -Contain 'finished'
        Test-ProcessGone $s.Leader | Should -BeFalse
        $helper = Get-Helper

        # While the helper still works on the log off, it answers a query at once: the session is there.
        Invoke-TmuxLine $script:terminal '@(Get-UserSession -UserName st-stub*).Count' | Should -Be '1'

        # It finishes the log off it was asked for (SIGTERM, then SIGKILL) and writes its late answer
        # to the interrupted call; the next call skips that answer by its id and reads its own.
        Wait-Until { Test-ProcessGone $s.Leader } -TimeoutMs 10000 | Should -BeTrue
        Start-Sleep -Milliseconds 500 # the helper answers within one 25 ms poll of the leader
        Invoke-TmuxLine $script:terminal '@(Get-UserSession -UserName st-stub*).Count' | Should -Be '0'
        Get-Helper | Should -Be $helper
    }

    It 'a helper killed in the middle of an action: HelperExited, ConnectionError, "Nothing is known to have been done"' {
        $s = New-StubbornSession
        Start-Shell $s.Utmp
        Send-TmuxLine $script:terminal ("try { Stop-UserSession -Id $($s.Leader) -Force -Wait -ErrorAction Stop; 'not reached' } " +
            'catch { "caught $($_.FullyQualifiedErrorId) $($_.CategoryInfo.Category)"; $_.Exception.Message }')
        Wait-Until { (Get-Helper).Count -eq 1 } -TimeoutMs 20000 | Should -BeTrue
        Start-Sleep -Milliseconds 700 # inside the wait: SIGHUP sent, SIGTERM not yet
        $killed = Get-Helper
        & /bin/kill -KILL $killed
        $shown = @((Wait-TmuxPrompt $script:terminal -TimeoutMs 15000) -split "`n")
        $shown[0] | Should -Be 'caught HelperExited,Stop-UserSession ConnectionError'
        $shown[1] | Should -BeLike "The SessionTools helper ended during 'sessions.logoff' (exit code 137). Nothing is known to have been done.*"

        # Indeed nothing more was done (the leader ignored SIGHUP; no SIGTERM came), and the next call
        # starts a new helper that sees the session.
        Test-ProcessGone $s.Leader | Should -BeFalse
        Invoke-TmuxLine $script:terminal "(Get-UserSession -Id $($s.Leader)).UserName" | Should -Be 'st-stubborn'
        $helper = Get-Helper
        $helper.Count | Should -Be 1
        $helper | Should -Not -Be $killed
    }
}
