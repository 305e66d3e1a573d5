# Asking before acting, in a separate PowerShell as users run it: -WhatIf shows and touches nothing;
# where nobody can answer (-NonInteractive, or stdin redirected from /dev/null or a closed pipe as
# cron, systemd units and scheduled scripts run it) the command fails at once with one
# ConfirmationRequired error, prints no prompt and acts on nobody; an answer on stdin still answers.

BeforeAll {
    . ([System.IO.Path]::Combine($PSScriptRoot, 'UtmpSessions.ps1'))

    # Errors in the long form with no colour, so that the error id and category are in stderr.
    $script:Plain = "`$ErrorView = 'NormalView'; `$PSStyle.OutputRendering = 'PlainText'`n"
    $script:Unattended = 'Nothing was done. Pass -Force or -Confirm:$false to act without asking.'

    function Assert-ConfirmationRequired($Run, [string] $Command, [string] $Reason) {
        # Exit code 1, exactly one error, ConfirmationRequired with its category and reason, the
        # way to run unattended, no prompt printed, and over within seconds (no wait for an answer).
        $Run.ExitCode | Should -Be 1 -Because $Run.Stderr
        ([regex]::Matches($Run.Stderr, 'FullyQualifiedErrorId :')).Count | Should -Be 1 -Because $Run.Stderr
        $Run.Stderr | Should -BeLike "*FullyQualifiedErrorId : ConfirmationRequired,$Command*"
        $Run.Stderr | Should -BeLike '*CategoryInfo          : InvalidOperation:*'
        $Run.Stderr | Should -BeLike "*$Command asks before it acts (*), and this PowerShell cannot ask: $Reason $script:Unattended*"
        $Run.Stdout | Should -Not -BeLike '*Are you sure*'
        $Run.Ms | Should -BeLessThan 15000
    }
    $script:Ended = 'its input (stdin) is redirected and has ended, so no answer can be read.'
    $script:NonInteractive = 'PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.'
}

AfterAll { Stop-UtmpSessions }

Describe 'Stop-UserSession asks first' {
    AfterEach { Stop-UtmpLeader }

    It '-WhatIf says what it would do and touches nothing (also with -Force)' {
        $leader = New-UtmpSession 'st-ann'
        $run = Invoke-ModulePwsh 'Get-UserSession | Stop-UserSession -WhatIf -Force'
        $run.ExitCode | Should -Be 0
        $run.Stdout | Should -BeLike "*What if: Performing the operation ""Log off"" on target ""session $($leader[0]) (st-ann on pts/200) on*"
        Start-Sleep -Milliseconds 300
        Test-ProcessGone $leader[0] | Should -BeFalse
    }

    It 'never waits for an answer nobody can give: -NonInteractive fails at once and logs off nothing' {
        $leader = New-UtmpSession 'st-ann'
        $run = Invoke-ModulePwsh "$script:Plain Get-UserSession | Stop-UserSession"
        Assert-ConfirmationRequired $run 'Stop-UserSession' $script:NonInteractive
        Test-ProcessGone $leader[0] | Should -BeFalse
    }

    It 'stdin from /dev/null with -NonInteractive: the same, with the host''s own reason' {
        $leader = New-UtmpSession 'st-ann'
        $run = Invoke-ModulePwsh "$script:Plain Get-UserSession | Stop-UserSession" -StdinPath '/dev/null'
        Assert-ConfirmationRequired $run 'Stop-UserSession' $script:NonInteractive
        Test-ProcessGone $leader[0] | Should -BeFalse
    }

    It 'stdin from /dev/null without -NonInteractive (cron, systemd): fails at once, no prompt, logs off nothing' {
        $a, $b = New-UtmpSession 'st-ann', 'st-bob'
        $run = Invoke-ModulePwsh "$script:Plain Get-UserSession | Stop-UserSession" -Interactive -StdinPath '/dev/null'
        Assert-ConfirmationRequired $run 'Stop-UserSession' $script:Ended
        $run.Stderr | Should -BeLike "*(Log off session $a (st-ann on pts/200) on *)*"
        $run.Stdout | Should -BeNullOrEmpty
        Test-ProcessGone $a | Should -BeFalse
        Test-ProcessGone $b | Should -BeFalse
    }

    It 'stdin a closed pipe without -NonInteractive: the same' {
        $leader = New-UtmpSession 'st-ann'
        $run = Invoke-ModulePwsh "$script:Plain Stop-UserSession -Id $($leader[0])" -Interactive
        Assert-ConfirmationRequired $run 'Stop-UserSession' $script:Ended
        # Given by -Id, the session is looked up first: the message names user and terminal as for a piped one.
        $run.Stderr | Should -BeLike "*(Log off session $($leader[0]) (st-ann on pts/200) on *)*"
        Test-ProcessGone $leader[0] | Should -BeFalse
    }

    It 'an answer on stdin still answers: y logs off, n leaves the session' {
        $yes, $no = New-UtmpSession 'st-ann', 'st-bob'
        $run = Invoke-ModulePwsh "$script:Plain Stop-UserSession -Id $no" -Interactive -Stdin "n`n"
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $run.Stdout | Should -Match "Are you sure[\s\S]*""session $no \(st-bob on pts/201\)\s+on "
        Test-ProcessGone $no | Should -BeFalse
        $run = Invoke-ModulePwsh "$script:Plain Stop-UserSession -Id $yes -Wait" -Interactive -Stdin "y`n"
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        Test-ProcessGone $yes | Should -BeTrue
        Test-ProcessGone $no | Should -BeFalse
    }

    It 'stdin that ends after the first answer: the second question fails, and nothing at all was done' {
        $a, $b = New-UtmpSession 'st-ann', 'st-bob'
        $run = Invoke-ModulePwsh "$script:Plain Stop-UserSession -Id $a, $b" -Interactive -Stdin "y`n"
        $run.ExitCode | Should -Be 1
        ([regex]::Matches($run.Stderr, 'FullyQualifiedErrorId :')).Count | Should -Be 1
        $run.Stderr | Should -BeLike '*FullyQualifiedErrorId : ConfirmationRequired,Stop-UserSession*'
        $run.Stderr | Should -BeLike "*(Log off session $b (st-bob on pts/201) on *), and this PowerShell cannot ask: $script:Ended $script:Unattended*"
        Test-ProcessGone $a | Should -BeFalse
        Test-ProcessGone $b | Should -BeFalse
    }
}

Describe 'Disconnect-UserSession asks only when told to (ConfirmImpact Medium)' {
    AfterEach { Stop-UtmpLeader }

    It 'with -Confirm and stdin from /dev/null: ConfirmationRequired, nothing done' {
        $leader = New-UtmpSession 'st-ann'
        $run = Invoke-ModulePwsh "$script:Plain Get-UserSession | Disconnect-UserSession -Confirm" -Interactive -StdinPath '/dev/null'
        Assert-ConfirmationRequired $run 'Disconnect-UserSession' $script:Ended
        $run.Stderr | Should -Not -BeLike '*NotSupportedOnPlatform*'
        Test-ProcessGone $leader[0] | Should -BeFalse
    }

    It 'without -Confirm and stdin from /dev/null: it does not ask, it acts (NotImplemented on Linux)' {
        $leader = New-UtmpSession 'st-ann'
        $run = Invoke-ModulePwsh "$script:Plain Get-UserSession | Disconnect-UserSession" -Interactive -StdinPath '/dev/null'
        $run.Stderr | Should -BeLike '*FullyQualifiedErrorId : NotSupportedOnPlatform,Disconnect-UserSession*'
        $run.Stderr | Should -Not -BeLike '*ConfirmationRequired*'
        Test-ProcessGone $leader[0] | Should -BeFalse
    }
}
