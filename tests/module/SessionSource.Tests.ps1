# The source of sessions (on Linux the utmp file that SESSIONTOOLS_UTMP_PATH names) missing or
# unreadable is an error the user sees, never "no sessions": a detection script must not report a
# clean machine because the file it reads is gone (issue 10, finding 6). Real helper, real pwsh.

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    $script:SavedUtmp = $env:SESSIONTOOLS_UTMP_PATH
    $script:Dir = Join-Path ([System.IO.Path]::GetTempPath()) "st-source-$PID"
    $null = New-Item -ItemType Directory -Path $script:Dir -Force
    $script:Missing = Join-Path $script:Dir 'no-such-utmp'

    # Points a freshly imported module (and so a new helper) at $Path.
    function Use-Utmp([string] $Path) {
        $env:SESSIONTOOLS_UTMP_PATH = $Path
        Remove-Module SessionTools -ErrorAction Ignore
        Import-Module (Get-TestModulePath) -Force -ErrorAction Stop
    }
}

AfterAll {
    Remove-Module SessionTools -ErrorAction Ignore
    $env:SESSIONTOOLS_UTMP_PATH = $script:SavedUtmp
    Remove-Item -LiteralPath $script:Dir -Recurse -Force
}

Describe 'A missing or unreadable utmp file' {
    It 'Get-UserSession: no objects and one SessionSourceUnreadable error (ReadError) naming the missing file' {
        Use-Utmp $script:Missing
        $found = @(Get-UserSession -ErrorVariable ev -ErrorAction SilentlyContinue)
        $found.Count | Should -Be 0
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeExactly 'SessionSourceUnreadable,Get-UserSession'
        [string] $ev[0].CategoryInfo.Category | Should -BeExactly 'ReadError'
        $ev[0].Exception.Message | Should -BeExactly "The utmp file '$($script:Missing)', which lists the sessions, does not exist."
    }

    It 'Get-UserSession with filters: the same one error, not SessionNotFound or UserNotFound' {
        Use-Utmp $script:Missing
        $null = Get-UserSession -UserName alice -Id 4242 -ErrorVariable ev -ErrorAction SilentlyContinue
        @($ev.FullyQualifiedErrorId) | Should -BeExactly @('SessionSourceUnreadable,Get-UserSession')
    }

    It 'a file that cannot be read (a directory) is the same error, with the reason' {
        Use-Utmp $script:Dir
        $null = Get-UserSession -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeExactly 'SessionSourceUnreadable,Get-UserSession'
        $ev[0].Exception.Message | Should -BeExactly "The utmp file '$($script:Dir)', which lists the sessions, cannot be read (EISDIR)."
    }

    It 'Stop-UserSession -Id: a SessionSourceUnreadable error for that session, nothing done' {
        Use-Utmp $script:Missing
        $null = Stop-UserSession -Id 4242 -Force -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeExactly 'SessionSourceUnreadable,Stop-UserSession'
        [string] $ev[0].CategoryInfo.Category | Should -BeExactly 'ReadError'
        $ev[0].Exception.Message | Should -BeLike "*'$($script:Missing)'*does not exist."
    }

    It 'Get-UserSessionProcess -Id and Send-UserSessionMessage -Id: a SessionSourceUnreadable error for that session, not an internal error' {
        Use-Utmp $script:Missing
        $found = @(Get-UserSessionProcess -Id 4242 -ErrorVariable ev -ErrorAction SilentlyContinue)
        $found.Count | Should -Be 0
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeExactly 'SessionSourceUnreadable,Get-UserSessionProcess'
        [string] $ev[0].CategoryInfo.Category | Should -BeExactly 'ReadError'
        $ev[0].Exception.Message | Should -BeExactly "Could not list the processes of session 4242: The utmp file '$($script:Missing)', which lists the sessions, does not exist."
        $null = Send-UserSessionMessage -Id 4242 -Text 'hello' -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeExactly 'SessionSourceUnreadable,Send-UserSessionMessage'
        $ev[0].Exception.Message | Should -BeLike "Could not send a message to session 4242: *'$($script:Missing)'*does not exist."
    }

    It 'a detection script with -ErrorAction Stop ends with exit code 1 instead of reporting 0 sessions' {
        $script = "Import-Module '$(Get-TestModulePath)'; try { `$n = @(Get-UserSession -ErrorAction Stop).Count; 'sessions:' + `$n; exit 0 } catch { `$_.FullyQualifiedErrorId; exit 1 }"
        $r = Invoke-TestPwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $script -Environment @{ SESSIONTOOLS_UTMP_PATH = $script:Missing }
        $r.ExitCode | Should -Be 1
        $r.Stdout.Trim() | Should -BeExactly 'SessionSourceUnreadable,Get-UserSession'
    }
}
