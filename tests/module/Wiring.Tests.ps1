# Every parameter the catalog wires reaches the helper with its value: by reflection over the
# catalog (the fixture server's 'catalog' op, src/catalog/ resolved with the methods' fields), each
# command is run once with every wired parameter set to a distinctive value of its type, and the real
# helper's request trace (SESSIONTOOLS_HELPER_TRACE, src/helper/trace.ts) must hold exactly those
# values under the field's name. An action's targets (-Id, -ComputerName) must arrive as its targets.

BeforeDiscovery {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    $catalog = Get-TestCatalog
}

BeforeAll {
    . ([System.IO.Path]::Combine($PSScriptRoot, 'UtmpSessions.ps1'))
    $script:SavedTrace = $env:SESSIONTOOLS_HELPER_TRACE
    $script:Trace = [System.IO.Path]::Combine((Invoke-TestFixture -Fixture $script:Fixture -Op 'dir'), 'helper-trace.jsonl')
    $env:SESSIONTOOLS_HELPER_TRACE = $script:Trace
    # A helper started from now on traces its requests; one real session to run the commands against.
    $null = New-UtmpSession 'st-wired'

    function Get-Distinctive($Parameter) {
        # A value of the parameter's type that no default and no other parameter has.
        $p = $Parameter
        switch ($p.type) {
            'switch' { return $true }
            'string' { return "w-$($p.name)" }
            'string[]' { return @("w-$($p.name)-1", "w-$($p.name)-2") }
            'int' {
                $value = [int] [Math]::Floor(($p.range[0] + $p.range[1]) / 2)
                if ($value -eq $p.default) { $value = $p.range[0] }
                return $value
            }
            'int[]' { return [int[]] @(($p.range[0] + 424242), ($p.range[0] + 424243)) }
            default {
                if ($null -ne $p.choices -and -not $p.type.EndsWith('[]')) { return [string] $p.choices[-1] }
                if ($null -ne $p.choices) { return [string[]] @($p.choices[-2], $p.choices[-1]) }
                throw "no distinctive value for -$($p.name) of type $($p.type)"
            }
        }
    }

    function Get-TracedParams([string] $Method) {
        # The params of the last request for $Method the helper received, as sent.
        $lines = @([System.IO.File]::ReadAllLines($script:Trace) | ForEach-Object { $_ | ConvertFrom-Json })
        $sent = @($lines | Where-Object method -EQ $Method)
        $sent.Count | Should -BeGreaterThan 0 -Because "the helper received no '$Method'"
        $sent[-1].params
    }
}

AfterAll {
    $env:SESSIONTOOLS_HELPER_TRACE = $script:SavedTrace
    Stop-UtmpSessions
}

Describe 'the wiring of every command' -ForEach @{ Catalog = $catalog } {
    It 'sends every wired parameter of every command with the value it was given, under its field name' {
        $checked = 0
        foreach ($c in $Catalog) {
            $splat = @{}
            $expected = [ordered] @{}
            foreach ($p in $c.parameters.PSObject.Properties.Value) {
                if ($null -ne $p.wire) {
                    $splat[$p.name] = Get-Distinctive $p
                    $expected[$p.wire] = $splat[$p.name]
                } elseif ($p.role -eq 'targetId') {
                    $splat[$p.name] = Get-Distinctive $p
                } elseif ($p.role -eq 'targetComputer') {
                    $splat[$p.name] = "w-$($p.name)"
                } elseif ($p.role -eq 'force') {
                    $splat[$p.name] = $true
                }
            }
            & $c.Name @splat -ErrorAction SilentlyContinue
            $sent = Get-TracedParams $c.method
            foreach ($wire in $expected.Keys) {
                $value = $expected[$wire]
                $got = $sent.$wire
                if ($value -is [array]) { @($got) | Should -Be $value -Because "-$wire of $($c.Name)" }
                else { $got | Should -Be $value -Because "-$wire of $($c.Name)" }
                $checked++
            }
            if ($c.kind -eq 'action') {
                $id = $c.parameters.PSObject.Properties.Value | Where-Object role -EQ 'targetId'
                $computer = $c.parameters.PSObject.Properties.Value | Where-Object role -EQ 'targetComputer'
                $targets = @($sent.($c.targetsField))
                @($targets.SessionId) | Should -Be $splat[$id.name] -Because "the -$($id.name) of $($c.Name)"
                @($targets.ComputerName) | Should -Be (@($splat[$id.name]) | ForEach-Object { $splat[$computer.name] }) -Because "the -$($computer.name) of $($c.Name)"
                $checked++
            }
            # Nothing is sent that was not given.
            @($sent.PSObject.Properties.Name | Where-Object { $_ -ne $c.targetsField -and -not $expected.Contains($_) }) | Should -BeNullOrEmpty -Because $c.Name
        }
        $checked | Should -BeGreaterThan 10
    }
}
