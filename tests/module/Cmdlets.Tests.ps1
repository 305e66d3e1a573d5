# The generated cmdlets through the real helper and the real Linux backend, against real processes
# that lead sessions recorded in a utmp file written with glibc's struct utmp
# (SESSIONTOOLS_UTMP_PATH): objects, filters, batching and every per-session error path, without
# root. The sshd suite does the same against real logins.

BeforeAll {
    . ([System.IO.Path]::Combine($PSScriptRoot, 'UtmpSessions.ps1'))

    # Each error record as the user reads it.
    function Get-ErrorSummary([object[]] $Records) {
        foreach ($e in $Records) {
            [pscustomobject] @{ Id = $e.FullyQualifiedErrorId; Category = [string] $e.CategoryInfo.Category; Target = $e.TargetObject }
        }
    }
}

AfterAll { Stop-UtmpSessions }

Describe 'Get-UserSession' {
    AfterEach { Stop-UtmpLeader }

    It 'writes SessionTools.UserSession objects with every property' {
        $leader = New-UtmpSession 'st-ann'
        $s = @(Get-UserSession)
        $s.Count | Should -Be 1
        $s[0] | Should -BeOfType ([SessionTools.UserSession])
        $s[0].PSObject.TypeNames | Should -Contain 'SessionTools.UserSession'
        $s[0].SessionId | Should -Be $leader[0]
        $s[0].UserName | Should -BeExactly 'st-ann'
        $s[0].SessionName | Should -BeExactly 'pts/200'
        [string] $s[0].State | Should -BeExactly 'Active'
        $s[0].Domain | Should -Be $null
        $s[0].Idle | Should -Be $null
        $s[0].ClientAddress | Should -BeExactly '192.0.2.7'
        $s[0].ClientName | Should -BeExactly '192.0.2.7'
        $s[0].LogonTime.ToUniversalTime() | Should -BeGreaterThan ([DateTime]::UtcNow.AddSeconds(-60))
        $s[0].LogonTime.ToUniversalTime() | Should -BeLessOrEqual ([DateTime]::UtcNow)
    }

    It 'filters by wildcard and literal user names and ids; literals that match nothing are ObjectNotFound' {
        $leaders = New-UtmpSession 'st-ann', 'st-bob', 'st-carl'
        @(Get-UserSession -UserName 'st-[ab]*').UserName | Should -BeExactly 'st-ann', 'st-bob'
        @(Get-UserSession -UserName ST-CARL).UserName | Should -BeExactly 'st-carl'
        @(Get-UserSession -Id $leaders[1]).UserName | Should -BeExactly 'st-bob'
        @(Get-UserSession -UserName 'nobody*' -ErrorVariable none).Count | Should -Be 0
        $none | Should -BeNullOrEmpty

        $found = @(Get-UserSession -UserName st-ann, st-zed -Id 999999 -ErrorVariable ev -ErrorAction SilentlyContinue)
        $found.Count | Should -Be 0 # a user AND an id filter: st-ann's session is not 999999
        $errors = @(Get-ErrorSummary $ev)
        $errors.Count | Should -Be 2
        $errors[0].Id | Should -BeExactly 'SessionNotFound,Get-UserSession'
        $errors[0].Category | Should -BeExactly 'ObjectNotFound'
        $errors[0].Target | Should -Be 999999
        $errors[1].Id | Should -BeExactly 'UserNotFound,Get-UserSession'
        $errors[1].Category | Should -BeExactly 'ObjectNotFound'
        $errors[1].Target | Should -BeExactly 'st-zed'
    }

    It 'round-trips non-ASCII user names' {
        $null = New-UtmpSession "j$([char] 0xFC)rgen", "$([char] 0x5C71)$([char] 0x7530)"
        @(Get-UserSession).UserName | Should -BeExactly "j$([char] 0xFC)rgen", "$([char] 0x5C71)$([char] 0x7530)"
    }
}

Describe 'Stop-UserSession' {
    AfterEach { Stop-UtmpLeader }

    It 'logs off piped sessions in one batched call: initialize + list + logoff for 40 sessions' {
        $leaders = New-UtmpSession (0..39 | ForEach-Object { "st-u$_" })
        Get-UserSession | Stop-UserSession -Force -Wait
        (Get-HelperState).NextId - 1 | Should -Be 3
        $leaders | Where-Object { -not (Test-ProcessGone $_) } | Should -BeNullOrEmpty
    }

    It 'binds by property name: any object with a SessionId' {
        $leader = New-UtmpSession 'st-ann'
        [pscustomobject] @{ SessionId = $leader[0] } | Stop-UserSession -Confirm:$false -Wait
        Test-ProcessGone $leader[0] | Should -BeTrue
    }

    It 'a missing session is ObjectNotFound and the others are still logged off' {
        $a, $b = New-UtmpSession 'st-ann', 'st-bob'
        Stop-UserSession -Id $a, 999999, $b -Confirm:$false -Wait -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeExactly 'SessionNotFound,Stop-UserSession'
        [string] $ev[0].CategoryInfo.Category | Should -BeExactly 'ObjectNotFound'
        $ev[0].TargetObject | Should -Be 999999
        $ev[0].ErrorDetails.RecommendedAction | Should -BeExactly 'Run Get-UserSession to see the sessions that exist now.'
        Test-ProcessGone $a | Should -BeTrue
        Test-ProcessGone $b | Should -BeTrue
    }

    It '-ErrorAction Stop makes a failed session terminate the command' {
        $null = New-UtmpSession 'st-ann'
        $reached = $false
        $caught = try { Stop-UserSession -Id 999999 -Confirm:$false -ErrorAction Stop; $reached = $true } catch { $_ }
        $reached | Should -BeFalse
        $caught.FullyQualifiedErrorId | Should -BeExactly 'SessionNotFound,Stop-UserSession'
    }

    It '-PassThru writes the sessions it acted on' {
        $leader = New-UtmpSession 'st-ann'
        $out = @(Get-UserSession | Stop-UserSession -Force -PassThru)
        $out.SessionId | Should -Be $leader
        $out[0].PSObject.TypeNames | Should -Contain 'SessionTools.UserSession'
    }
}

Describe 'Disconnect-UserSession on Linux' {
    AfterEach { Stop-UtmpLeader }

    It 'is NotImplemented for each session, which is left untouched' {
        $a, $b = New-UtmpSession 'st-ann', 'st-bob'
        Get-UserSession | Disconnect-UserSession -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue
        $errors = @(Get-ErrorSummary $ev)
        $errors.Count | Should -Be 2
        foreach ($i in 0, 1) {
            $errors[$i].Id | Should -BeExactly 'NotSupportedOnPlatform,Disconnect-UserSession'
            $errors[$i].Category | Should -BeExactly 'NotImplemented'
        }
        $errors.Target.SessionId | Should -Be $a, $b
        Test-ProcessGone $a | Should -BeFalse
        Test-ProcessGone $b | Should -BeFalse
    }
}
