# The default table of sessions fits 80 columns (a console of that width, `| Out-String -Width 80`,
# any pipe) with every header whole and each cell on one line (issue 10, finding 8). Real leaders.

BeforeAll {
    . ([System.IO.Path]::Combine($PSScriptRoot, 'UtmpSessions.ps1'))
}

AfterAll { Stop-UtmpSessions }

Describe 'the default table at 80 columns' {
    AfterEach { Stop-UtmpLeader }

    It 'every header is whole, on one line, and each session is one line of at most 80 characters' {
        $null = New-UtmpSession 'st-ann', 'st-disconnected-user'
        $lines = @((Get-UserSession | Out-String -Width 80) -split '\r?\n' | Where-Object { $_.Trim() -ne '' })
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 80 -Because $_ }
        $header = @($lines | Where-Object { $_ -match '^\s*Id\s' })
        $header.Count | Should -Be 1
        @($header[0].Trim() -split '\s+') | Should -BeExactly 'Id', 'UserName', 'SessionName', 'State', 'Idle', 'LogonTime', 'ClientAddress'
        $rows = @($lines | Where-Object { $_ -match 'pts/20\d' })
        $rows.Count | Should -Be 2
        foreach ($row in $rows) {
            $row | Should -Match 'Active'
            $row | Should -Match '192\.0\.2\.7\s*$'
            $row | Should -Match '\d\d-\d\d \d\d:\d\d'
        }
    }
}

# Issue 12: a list view of every property; the table and the list apply to the deserialized
# sessions too (Import-Clixml here; jobs and remoting write the same Deserialized.* objects).
Describe 'the views of live and deserialized sessions' {
    BeforeAll {
        # Every property of the session type, in its order (ComputerName, SessionId, ... Protocol).
        $script:Every = @([SessionTools.UserSession].GetProperties() | ForEach-Object Name)
        $script:Every.Count | Should -BeGreaterOrEqual 15
    }
    AfterEach { Stop-UtmpLeader }

    It 'Import-Clixml gives back the same table as the live sessions, at 80 columns' {
        $null = New-UtmpSession 'st-ann', 'st-bob'
        $live = @(Get-UserSession)
        $xml = Join-Path ([System.IO.Path]::GetTempPath()) "st-views-$PID.xml"
        try {
            $live | Export-Clixml -LiteralPath $xml
            $back = @(Import-Clixml -LiteralPath $xml)
        } finally { Remove-Item -LiteralPath $xml -ErrorAction Ignore }
        $back[0].pstypenames[0] | Should -Be 'Deserialized.SessionTools.UserSession'
        $table = ($back | Out-String -Width 80)
        $table | Should -BeExactly ($live | Out-String -Width 80)
        $table | Should -Match '(?m)^\s+Id UserName\s+SessionName State\s+Idle LogonTime\s+ClientAddress\s*$'
        @($table -split '\r?\n' | Where-Object { $_ -match 'pts/20\d' }).Count | Should -Be 2
    }

    It 'Format-List shows every property, live and deserialized, with Idle exact' {
        $null = New-UtmpSession 'st-ann'
        $live = @(Get-UserSession)[0]
        $back = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($live))
        foreach ($o in $live, $back) {
            $lines = @(($o | Format-List | Out-String -Width 200) -split '\r?\n' | Where-Object { $_ -match '\S' })
            @($lines | ForEach-Object { ($_ -split '\s*:', 2)[0].Trim() }) | Should -BeExactly $script:Every
            ($lines | Where-Object { $_ -match '^UserName\s+:' }) | Should -Match ':\s+st-ann$'
        }
        # A session's Idle in the list is the exact value; the table's is compact.
        $o = [SessionTools.UserSession]::new()
        $o.UserName = 'st-idle'; $o.ComputerName = 'srv01'; $o.State = 'Active'; $o.Idle = [SessionTools.Duration] '2h05m13.5s'
        ($o | Format-List | Out-String) | Should -Match '(?m)^Idle\s+: 2h05m13\.5s\s*$'
        ($o | Format-Table | Out-String) | Should -Match '(?m)\s2h05m\s'
    }

    It 'a Duration output alone shows its exact text, live and deserialized' {
        $d = [SessionTools.Duration] '2h05m13.5s'
        ($d | Out-String).Trim() | Should -BeExactly '2h05m13.5s'
        $bag = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize([pscustomobject] @{ Idle = $d })).Idle
        ($bag | Out-String).Trim() | Should -BeExactly '2h05m13.5s'
        (@([SessionTools.Duration] '1m', [SessionTools.Duration] '45s') | Out-String).Trim() -split '\r?\n' | Where-Object { $_ -match '\S' } | Should -BeExactly '1m', '45s'
    }
}
