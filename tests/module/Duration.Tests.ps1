# SessionTools.Duration in PowerShell: `Where Idle -gt 30m` works as typed, with the strings people
# write and with [TimeSpan]; -eq/-lt/-ge work; sorting works; it prints compactly; a bare number is
# an error that asks for a unit; and all of it holds inside ForEach-Object -Parallel.

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    Import-Module (Get-TestModulePath) -Force
    # Objects idle 10 min, 45 min, 2 h 10 min and 2 d 18 h 40 min, named by their minutes.
    $script:objs = foreach ($m in 10, 45, 130, 4000) {
        [pscustomobject] @{ PSTypeName = 'Test.Idle'; Name = "m$m"; Idle = [SessionTools.Duration]::FromMilliseconds($m * 60000) }
    }
    # The filter is typed as text and run as written: `$objs | <filter> | ForEach-Object Name`.
    function Names([string] $Filter) { @(& ([scriptblock]::Create("`$script:objs | $Filter | ForEach-Object Name"))) }
}

Describe 'Where-Object comparisons as typed' {
    It '-gt 30m' { Names 'Where Idle -gt 30m' | Should -Be 'm45', 'm130', 'm4000' }
    It '-ge 45m and -eq 45m' {
        Names 'Where Idle -ge 45m' | Should -Be 'm45', 'm130', 'm4000'
        Names 'Where Idle -eq 45m' | Should -Be 'm45'
    }
    It '-lt 1h, -le 2h10m, -gt 1d' {
        Names 'Where Idle -lt 1h' | Should -Be 'm10', 'm45'
        Names 'Where Idle -le 2h10m' | Should -Be 'm10', 'm45', 'm130'
        Names 'Where Idle -gt 1d' | Should -Be 'm4000'
    }
    It '90s, 1h30m, 1.5h, 0:30 and ISO PT30M' {
        Names 'Where Idle -gt 90s' | Should -Be 'm10', 'm45', 'm130', 'm4000'
        Names 'Where Idle -gt 1h30m' | Should -Be 'm130', 'm4000'
        Names 'Where Idle -gt 1.5h' | Should -Be 'm130', 'm4000'
        Names 'Where Idle -gt 0:30' | Should -Be 'm45', 'm130', 'm4000'
        Names 'Where Idle -gt PT30M' | Should -Be 'm45', 'm130', 'm4000'
    }
    It '90s and 1d typed bare reach Where-Object as [int16] and [decimal] and keep their unit' {
        Names 'Where Idle -lt 900s' | Should -Be 'm10'
        Names 'Where Idle -ge 2d' | Should -Be 'm4000'
        Names 'Where Idle -lt 0.5d' | Should -Be 'm10', 'm45', 'm130'
    }
    It '[TimeSpan] and quoted strings in script blocks' {
        Names 'Where Idle -gt ([timespan]::FromHours(2))' | Should -Be 'm130', 'm4000'
        Names 'Where-Object { $_.Idle -gt ''30m'' }' | Should -Be 'm45', 'm130', 'm4000'
    }
}

Describe 'mistakes are errors, never guesses' {
    It 'a bare number asks for a unit and matches nothing' {
        $out = @($script:objs | Where Idle -gt 30 -ErrorVariable ev -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $ev.Count | Should -Be 4
        $ev[0].FullyQualifiedErrorId | Should -Be 'OperatorFailed,Microsoft.PowerShell.Commands.WhereObjectCommand'
        $ev[0].Exception.Message | Should -BeLike "*A duration needs a unit: '30' could mean seconds, minutes or ticks. Write 30s, 30m, 30h or 30d*"
    }
    It 'refuses <Text> with the reason' -TestCases @(
        @{ Text = '30x'; Reason = "*'30x' is not a duration*" }
        @{ Text = '1m1h'; Reason = '*Give each unit once, largest first*' }
        @{ Text = 'banana'; Reason = "*'banana' is not a duration*" }
        @{ Text = ''; Reason = '*An empty string is not a duration*' }
        @{ Text = '30'; Reason = '*needs a unit*' }
    ) {
        { [SessionTools.Duration]::Parse($Text) } | Should -Throw -ExpectedMessage $Reason
    }
}

Describe 'display and order' {
    It 'prints compactly: 45s, 45m, 2h05m, 3d04h' {
        $text = foreach ($ms in 45000, 2700000, 7500000, 273600000, 0) { [SessionTools.Duration]::FromMilliseconds($ms).ToString() }
        $text | Should -Be '45s', '45m', '2h05m', '3d04h', '0s'
    }
    It 'sorts by value with Sort-Object and compares with strings' {
        $sorted = foreach ($t in '2h', '90s', '1d', '30m') { [SessionTools.Duration]::Parse($t) }
        ($sorted | Sort-Object | ForEach-Object ToString) -join ',' | Should -Be '1m30s,30m,2h00m,1d00h'
        [System.Management.Automation.LanguagePrimitives]::Compare([SessionTools.Duration]::Parse('2h'), '90m') | Should -Be 1
    }
    It 'exposes TimeSpan and totals for arithmetic' {
        $d = [SessionTools.Duration]::Parse('1h30m')
        $d.TotalMinutes | Should -Be 90
        $d.TimeSpan | Should -Be ([timespan]::FromMinutes(90))
    }
}

Describe 'ForEach-Object -Parallel' {
    It 'objects compared inside and after parallel runspaces behave the same' {
        $a = @($script:objs | ForEach-Object -Parallel { $_ } | Where Idle -gt 30m | ForEach-Object Name | Sort-Object)
        $b = @($script:objs | ForEach-Object -Parallel { if ($_.Idle -gt '30m') { $_.Name } } | Sort-Object)
        $a | Should -Be 'm130', 'm4000', 'm45'
        $b | Should -Be 'm130', 'm4000', 'm45'
    }
}
