# Only sessions bind from the pipeline to Stop-UserSession and Disconnect-UserSession (issue 10,
# finding 2): SessionTools.UserSession, its deserialized form, and objects made of properties that
# carry a SessionId (a CSV a report wrote). A process (whose Id is a pid, and whose SessionId is
# the session it runs in) or an object with only an Id is refused with NotASession, and nothing is
# done. Real leaders recorded in utmp, the real helper.

BeforeAll {
    . ([System.IO.Path]::Combine($PSScriptRoot, 'UtmpSessions.ps1'))
    $script:Dir = Join-Path ([System.IO.Path]::GetTempPath()) "st-binding-$PID"
    $null = New-Item -ItemType Directory -Path $script:Dir -Force

    function Assert-NotASession([object[]] $Records, [string] $Command, [string] $Type) {
        $Records.Count | Should -Be 1
        $Records[0].FullyQualifiedErrorId | Should -BeExactly "NotASession,$Command"
        [string] $Records[0].CategoryInfo.Category | Should -BeExactly 'InvalidType'
        $Records[0].Exception.Message | Should -BeLike "$Command acts only on sessions from the pipeline*The input is a $Type, which is none*nothing was done for it."
    }
}

AfterAll {
    Stop-UtmpSessions
    Remove-Item -LiteralPath $script:Dir -Recurse -Force
}

Describe 'what binds from the pipeline' {
    AfterEach { Stop-UtmpLeader }

    It 'Get-Process | Stop-UserSession -Force: NotASession, the leader lives, no request is sent' {
        $leader = New-UtmpSession 'st-ann'
        $null = Get-UserSession
        $before = (Get-HelperState).NextId
        $null = Get-Process -Id $leader[0] | Stop-UserSession -Force -Wait -ErrorVariable ev -ErrorAction SilentlyContinue
        Assert-NotASession $ev 'Stop-UserSession' 'System.Diagnostics.Process'
        $ev[0].TargetObject.Id | Should -Be $leader[0]
        Test-ProcessGone $leader[0] | Should -BeFalse
        (Get-HelperState).NextId | Should -Be $before
    }

    It 'Get-Process | Stop-UserSession -WhatIf in a child PowerShell: no "What if" line, one NotASession error' {
        $leader = New-UtmpSession 'st-ann'
        $run = Invoke-ModulePwsh -Script "Get-Process -Id $($leader[0]) | Stop-UserSession -WhatIf -ErrorVariable ev -ErrorAction SilentlyContinue; 'errors:' + (@(`$ev.FullyQualifiedErrorId) -join ',')"
        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $run.Stdout | Should -Not -Match 'What if'
        $run.Stdout.Trim() | Should -BeExactly 'errors:NotASession,Stop-UserSession'
        Test-ProcessGone $leader[0] | Should -BeFalse
    }

    It 'an object with only an Id is refused, for Disconnect-UserSession too' {
        $leader = New-UtmpSession 'st-ann'
        $null = [pscustomobject] @{ Id = $leader[0] } | Stop-UserSession -Force -ErrorVariable ev -ErrorAction SilentlyContinue
        Assert-NotASession $ev 'Stop-UserSession' 'System.Management.Automation.PSCustomObject'
        $null = Get-Process -Id $leader[0] | Disconnect-UserSession -Force -ErrorVariable ev2 -ErrorAction SilentlyContinue
        Assert-NotASession $ev2 'Disconnect-UserSession' 'System.Diagnostics.Process'
        Test-ProcessGone $leader[0] | Should -BeFalse
    }

    It 'the rows of a CSV of sessions bind by SessionId, and are logged off' {
        $leaders = New-UtmpSession 'st-ann', 'st-bob'
        $csv = Join-Path $script:Dir 'sessions.csv'
        Get-UserSession | Export-Csv -LiteralPath $csv
        Import-Csv -LiteralPath $csv | Where-Object UserName -EQ 'st-bob' | Stop-UserSession -Force -Wait -ErrorAction Stop
        Test-ProcessGone $leaders[1] | Should -BeTrue
        Test-ProcessGone $leaders[0] | Should -BeFalse
    }

    It 'deserialized sessions (Import-Clixml) bind, and are logged off' {
        $leaders = New-UtmpSession 'st-ann', 'st-bob'
        $xml = Join-Path $script:Dir 'sessions.xml'
        Get-UserSession | Export-Clixml -LiteralPath $xml
        $back = @(Import-Clixml -LiteralPath $xml)
        $back[0].PSObject.TypeNames | Should -Contain 'Deserialized.SessionTools.UserSession'
        $back | Where-Object UserName -EQ 'st-ann' | Stop-UserSession -Force -Wait -ErrorAction Stop
        Test-ProcessGone $leaders[0] | Should -BeTrue
        Test-ProcessGone $leaders[1] | Should -BeFalse
    }
}
