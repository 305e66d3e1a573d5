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
