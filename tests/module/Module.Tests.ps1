# The module as PowerShell sees it, by reflection, against the catalog (src/catalog/commands.ts, the
# one declaration of every command, read through the fixture server's 'catalog' op): the manifest
# is valid and exports exactly the catalog's commands; each command has full help (synopsis,
# description, every parameter, at least two examples that parse); its ConfirmImpact, parameter
# sets, positions, pipeline binding, aliases, types and ranges are as declared.

BeforeDiscovery {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    $catalog = Get-TestCatalog
    # One test case per command, and per declared parameter of it.
    $commands = foreach ($c in $catalog) {
        $parameters = foreach ($p in $c.parameters.PSObject.Properties) { @{ Parameter = $p.Name; Declared = $p.Value } }
        @{ Name = $c.Name; Decl = $c; Parameters = @($parameters) }
    }
    $names = @($catalog.Name)
}

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    Import-Module (Get-TestModulePath) -Force -ErrorAction Stop
    $script:Common = @([System.Management.Automation.PSCmdlet]::CommonParameters) + @([System.Management.Automation.PSCmdlet]::OptionalCommonParameters)
    # Lists compare as text, one item per line, so that a difference shows whole.
    function Lines($Items, [switch] $Sort) {
        $list = @(foreach ($i in $Items) { if ($null -ne $i) { $i } })
        if ($Sort) { $list = @($list | Sort-Object) }
        $list -join "`n"
    }
}

AfterAll { Remove-Module SessionTools -ErrorAction Ignore }

Describe 'the manifest' -ForEach @{ Names = $names } {
    It 'passes Test-ModuleManifest and exports the catalog''s commands and nothing else' {
        $manifest = Test-ModuleManifest -Path (Get-TestModulePath) -ErrorAction Stop
        $manifest.Name | Should -BeExactly 'SessionTools'
        Lines $manifest.ExportedFunctions.Keys -Sort | Should -BeExactly (Lines $Names -Sort)
        $manifest.ExportedCmdlets.Count | Should -Be 0
        $manifest.ExportedAliases.Count | Should -Be 0
        $manifest.ExportedVariables.Count | Should -Be 0
        $manifest.PowerShellVersion | Should -Be ([version] '5.1')
        $manifest.CompatiblePSEditions | Should -Be 'Desktop', 'Core'
    }

    It 'the imported module exports exactly the catalog''s commands' {
        $Names.Count | Should -BeGreaterThan 0
        Lines (Get-Module SessionTools).ExportedCommands.Keys -Sort | Should -BeExactly (Lines $Names -Sort)
    }
}

Describe '<Name>' -ForEach $commands {
    BeforeAll {
        $command = Get-Command -Name $Name -Module SessionTools -ErrorAction Stop
        $help = Get-Help -Name $Name -Full
        $metadata = [System.Management.Automation.CommandMetadata]::new($command)
    }

    Context 'help' {
        It 'is found, for this function of SessionTools' {
            $help.Name | Should -BeExactly $Name
            $help.Category | Should -BeExactly 'Function'
            $help.ModuleName | Should -BeExactly 'SessionTools'
        }

        It 'has a synopsis (not the syntax PowerShell puts there when none is written)' {
            $help.Synopsis | Should -Not -BeNullOrEmpty
            $help.Synopsis | Should -Not -Match "^\s*$Name((\s+\[+?-\w+)|$)"
        }

        It 'has a description' {
            ($help.Description.Text -join '').Trim() | Should -Not -BeNullOrEmpty
        }

        It 'describes every declared parameter, and no other' {
            $described = @{}
            foreach ($p in $help.Parameters.Parameter) { $described[$p.Name] = ($p.Description.Text -join '').Trim() }
            foreach ($p in $Parameters) {
                $described[$p.Parameter] | Should -Not -BeNullOrEmpty -Because "-$($p.Parameter) of $Name needs help"
            }
            Lines ($described.Keys | Where-Object { $_ -notin 'WhatIf', 'Confirm' }) -Sort | Should -BeExactly (Lines $Parameters.Parameter -Sort)
        }

        It 'has at least two examples, each code that parses, uses the command and is explained' {
            $examples = @($help.Examples.Example)
            $examples.Count | Should -BeGreaterOrEqual 2
            foreach ($e in $examples) {
                $code = $e.Code.Trim()
                $code | Should -Match "\b$Name\b"
                $errors = $null
                $null = [System.Management.Automation.Language.Parser]::ParseInput($code, [ref] $null, [ref] $errors)
                $errors | Should -BeNullOrEmpty -Because $code
                ($e.Remarks.Text -join '').Trim() | Should -Not -BeNullOrEmpty -Because "the example '$code' needs its explanation"
            }
        }
    }

    Context 'declaration' {
        It 'ConfirmImpact and ShouldProcess as declared' {
            $isAction = $Decl.kind -eq 'action'
            $metadata.SupportsShouldProcess | Should -Be $isAction
            if ($isAction) { [string] $metadata.ConfirmImpact | Should -BeExactly $Decl.confirmImpact }
        }

        It 'default parameter set and output type as declared' {
            $command.DefaultParameterSet | Should -BeExactly $Decl.defaultSet
            $command.OutputType.Name | Should -Contain $Decl.outputType
        }

        It 'has exactly the declared parameters (besides the common ones)' {
            Lines ($command.Parameters.Keys | Where-Object { $_ -notin $script:Common }) -Sort | Should -BeExactly (Lines $Parameters.Parameter -Sort)
        }

        It '-<Parameter>: type, aliases, sets, position, mandatory, pipeline, wildcards, range and default as declared' -ForEach $Parameters {
            $p = $command.Parameters[$Parameter]
            $p | Should -Not -BeNullOrEmpty
            $types = @{
                'string' = [string]; 'string[]' = [string[]]; 'int' = [int]; 'int[]' = [int[]]; 'switch' = [switch]
                'SessionState[]' = [string[]]; 'UserSession[]' = [SessionTools.UserSession[]]; 'MessageButtons' = [string]; 'Duration' = [SessionTools.Duration]
            }
            $p.ParameterType | Should -Be $types[$Declared.type]
            if ($Declared.type -eq 'SessionState[]') {
                $set = $p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
                $set.ValidValues | Should -Contain 'Active'
                $set.ValidValues | Should -Contain 'Disconnected'
            }
            Lines $p.Aliases | Should -BeExactly (Lines $Declared.aliases)

            $sets = if ($Declared.sets) { @($Declared.sets) } else { @('__AllParameterSets') }
            Lines $p.ParameterSets.Keys -Sort | Should -BeExactly (Lines $sets -Sort)
            $position = if ($null -ne $Declared.position) { [int] $Declared.position } else { [int]::MinValue }
            foreach ($s in $sets) {
                $inSet = $p.ParameterSets[$s]
                $inSet.IsMandatory | Should -Be ([bool] $Declared.mandatory) -Because "-$Parameter in set $s"
                $inSet.Position | Should -Be $position -Because "-$Parameter in set $s"
                $inSet.ValueFromPipeline | Should -Be ($Declared.pipeline -in 'value', 'both') -Because "-$Parameter in set $s"
                $inSet.ValueFromPipelineByPropertyName | Should -Be ($Declared.pipeline -in 'propertyName', 'both') -Because "-$Parameter in set $s"
            }

            $wildcards = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0
            $wildcards | Should -Be ([bool] $Declared.wildcards)
            if ($null -ne $Declared.range) {
                $range = $p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] }
                Lines $range.MinRange, $range.MaxRange | Should -BeExactly (Lines $Declared.range)
            }
            $inParamBlock = $command.ScriptBlock.Ast.Body.ParamBlock.Parameters | Where-Object { $_.Name.VariablePath.UserPath -eq $Parameter }
            if ($null -ne $Declared.default) {
                $inParamBlock.DefaultValue.SafeGetValue() | Should -Be $Declared.default
            } else {
                $inParamBlock.DefaultValue | Should -Be $null
            }
        }
    }
}
