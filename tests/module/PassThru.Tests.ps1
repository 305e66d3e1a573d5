# What an action says about the sessions it acts on (issue 10, finding 9). -PassThru writes each
# session as it is after the action: a logged-off one is LoggedOff, never Active (the piped object
# is left as it was). A session given by -Id is looked up before anything is asked, so every prompt
# and -WhatIf names user and terminal as for a piped session, and an id that names no session is
# that id's SessionNotFound error, with no prompt, and nothing is done for it. Real session leaders
# recorded in a utmp file; the prompt in a real terminal (tmux). Disconnect-UserSession -PassThru
# (Disconnected) on the wtsapi32 double: tests/wts/WtsStack.Tests.ps1.

BeforeAll {
    . ([System.IO.Path]::Combine($PSScriptRoot, 'UtmpSessions.ps1'))
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'Tmux.psm1')) -Force
    $script:Host0 = [System.Net.Dns]::GetHostName()
    function Get-ModulePwshLines([string] $Script) {
        # The non-blank lines a new PowerShell with the module prints for $Script, which must succeed.
        $run = Invoke-ModulePwsh $Script
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        @($run.Stdout -split '\r?\n' | Where-Object { $_ -match '\S' })
    }
    function Get-WhatIfLine([string] $Operation, [int] $Id) {
        # The -WhatIf line for session $Id of st-ann on pts/200 here.
        "What if: Performing the operation ""$Operation"" on target ""session $Id (st-ann on pts/200) on $script:Host0""."
    }
}

AfterAll { Stop-UtmpSessions }

Describe '-PassThru writes the state after the action' {
    AfterEach { Stop-UtmpLeader }

    It 'piped sessions logged off with -Wait come back LoggedOff; the piped objects still say Active' {
        $a, $b = New-UtmpSession 'st-ann', 'st-bob'
        $piped = @(Get-UserSession)
        $out = @($piped | Stop-UserSession -Force -Wait -PassThru -ErrorAction Stop)
        $out.Count | Should -Be 2
        foreach ($o in $out) {
            $o | Should -BeOfType ([SessionTools.UserSession])
            $o.State | Should -BeExactly 'LoggedOff'
        }
        @($out | ForEach-Object UserName | Sort-Object) | Should -Be 'st-ann', 'st-bob'
        @($piped | ForEach-Object State) | Should -Be 'Active', 'Active'
        Test-ProcessGone $a | Should -BeTrue
        Test-ProcessGone $b | Should -BeTrue
    }

    It 'a session given by -Id comes back whole (user, terminal) and LoggedOff, without -Wait too' {
        $a = New-UtmpSession 'st-ann'
        $out = @(Stop-UserSession -Id $a[0] -Force -PassThru -ErrorAction Stop)
        $out.Count | Should -Be 1
        $out[0].SessionId | Should -Be $a[0]
        $out[0].UserName | Should -BeExactly 'st-ann'
        $out[0].SessionName | Should -BeExactly 'pts/200'
        $out[0].State | Should -BeExactly 'LoggedOff'
        Wait-Until { Test-ProcessGone $a[0] } -TimeoutMs 10000 | Should -BeTrue
    }
}

Describe 'sessions given by -Id are named like piped ones, and only existing ones are asked about' {
    AfterEach { Stop-UtmpLeader }

    It '-WhatIf names user and terminal, and does nothing' {
        $a = New-UtmpSession 'st-ann'
        $lines = Get-ModulePwshLines "Stop-UserSession -Id $($a[0]) -WhatIf; Disconnect-UserSession -Id $($a[0]) -WhatIf"
        $lines | Should -BeExactly @((Get-WhatIfLine 'Log off' $a[0]), (Get-WhatIfLine 'Disconnect' $a[0]))
        Test-ProcessGone $a[0] | Should -BeFalse
    }

    It 'an id that names no session is SessionNotFound, with no What if line, and the others are still named' {
        $a = New-UtmpSession 'st-ann'
        $lines = Get-ModulePwshLines "Stop-UserSession -Id 999999, $($a[0]) -WhatIf -ErrorVariable ev -ErrorAction SilentlyContinue; 'errors: ' + (@(`$ev | ForEach-Object { `$_.FullyQualifiedErrorId + '/' + `$_.TargetObject }) -join ',')"
        $lines | Should -BeExactly @((Get-WhatIfLine 'Log off' $a[0]), 'errors: SessionNotFound,Stop-UserSession/999999')
    }

    It 'with -Force, an id that names no session is its error and the existing one is logged off' {
        $a = New-UtmpSession 'st-ann'
        $out = @(Stop-UserSession -Id 999999, $a[0] -Force -Wait -PassThru -ErrorVariable ev -ErrorAction SilentlyContinue)
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeExactly 'SessionNotFound,Stop-UserSession'
        [string] $ev[0].CategoryInfo.Category | Should -BeExactly 'ObjectNotFound'
        $ev[0].TargetObject | Should -Be 999999
        $out.SessionId | Should -Be $a[0]
        Test-ProcessGone $a[0] | Should -BeTrue
    }
}

Describe 'the prompt for -Id at a real terminal' {
    AfterEach {
        if ($script:terminal) { Stop-TmuxTerminal $script:terminal; $script:terminal = $null }
        Stop-UtmpLeader
    }

    It 'names user and terminal; a missing id is reported before it and never asked about; y logs off and -PassThru says LoggedOff' {
        $a = New-UtmpSession 'st-ann'
        $script:terminal = Start-TmuxTerminal -Environment @{ SESSIONTOOLS_UTMP_PATH = $env:SESSIONTOOLS_UTMP_PATH }
        $null = Invoke-TmuxLine $script:terminal "Import-Module '$(Get-TestModulePath)' -ErrorAction Stop"
        Send-TmuxLine $script:terminal "Stop-UserSession -Id 999999, $($a[0]) -PassThru | ForEach-Object { 'after: ' + `$_.UserName + ' ' + `$_.State }"
        $asked = Wait-TmuxText $script:terminal -Pattern '\[Y\] Yes.*\(default is "Y"\):' -TimeoutMs 20000
        $asked | Should -Match 'No session with id 999999'
        $asked | Should -Match ([regex]::Escape("Performing the operation ""Log off"" on target ""session $($a[0]) (st-ann on pts/200) on $script:Host0"""))
        ([regex]::Matches($asked, 'Are you sure')).Count | Should -Be 1 -Because 'only the session that exists is asked about'
        Test-ProcessGone $a[0] | Should -BeFalse -Because 'nothing is done before the answer'
        Send-TmuxLine $script:terminal 'y'
        $shown = Wait-TmuxPrompt $script:terminal -TimeoutMs 20000
        $shown | Should -Match '(?m)^after: st-ann LoggedOff\s*$'
        Wait-Until { Test-ProcessGone $a[0] } -TimeoutMs 10000 | Should -BeTrue
    }
}
