# Every shipped .ps1/.psm1 under module/ parses, and uses no syntax that Windows PowerShell 5.1
# lacks: no ternary, no pipeline chains (&& ||), no ?? or ??=, no ?. or ?[], no clean block.
# PowerShell's own parser walks the files; the walk is shown to flag each of those in a probe file.

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    $script:ModuleDir = Split-Path (Get-TestModulePath)
    $script:Shipped = @(Get-ChildItem -LiteralPath $script:ModuleDir -Recurse -File -Include '*.ps1', '*.psm1' | ForEach-Object FullName | Sort-Object)

    function Find-NewerSyntax([string[]] $Path) {
        # One finding per parse error or node of 7-only syntax: @{ Kind; File; Line; Text }.
        foreach ($file in $Path) {
            $tokens = $null
            $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseFile($file, [ref] $tokens, [ref] $errors)
            foreach ($e in $errors) { [pscustomobject] @{ Kind = 'ParseError'; File = $file; Line = $e.Extent.StartLineNumber; Text = $e.Message } }
            $newer = $ast.FindAll({
                    param($n)
                    $n -is [System.Management.Automation.Language.TernaryExpressionAst] -or
                    $n -is [System.Management.Automation.Language.PipelineChainAst] -or
                    ($n -is [System.Management.Automation.Language.BinaryExpressionAst] -and $n.Operator -eq 'QuestionQuestion') -or
                    ($n -is [System.Management.Automation.Language.AssignmentStatementAst] -and $n.Operator -eq 'QuestionQuestionEquals') -or
                    ($n -is [System.Management.Automation.Language.MemberExpressionAst] -and $n.NullConditional) -or
                    ($n -is [System.Management.Automation.Language.IndexExpressionAst] -and $n.NullConditional) -or
                    ($n -is [System.Management.Automation.Language.ScriptBlockAst] -and $null -ne $n.CleanBlock)
                }, $true)
            foreach ($n in $newer) { [pscustomobject] @{ Kind = 'NewerSyntax'; File = $file; Line = $n.Extent.StartLineNumber; Text = $n.Extent.Text } }
        }
    }
}

Describe 'shipped PowerShell is Windows PowerShell 5.1 syntax' {
    It 'finds the module files to check' {
        $script:Shipped | ForEach-Object { [System.IO.Path]::GetRelativePath($script:ModuleDir, $_) } | Should -Be 'SessionTools.psm1'
    }

    It 'every shipped file parses and uses no 7-only syntax' {
        $findings = @(Find-NewerSyntax $script:Shipped | ForEach-Object { "$($_.Kind) $($_.File):$($_.Line) $($_.Text)" })
        $findings | Should -BeNullOrEmpty
        # The walk did read the files: the module's own functions are there.
        $functions = foreach ($file in $script:Shipped) {
            [System.Management.Automation.Language.Parser]::ParseFile($file, [ref] $null, [ref] $null).FindAll({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $true)
        }
        # One per command of the catalog, and no other.
        @($functions.Name | Sort-Object) | Should -Be @((Get-TestCatalog).Name | Sort-Object)
    }

    It 'every example script (examples/) parses and uses no 7-only syntax' {
        $examples = @(Get-ChildItem -LiteralPath ([System.IO.Path]::Combine((Get-TestRoot), 'examples')) -Recurse -File -Include '*.ps1', '*.psm1' | ForEach-Object FullName)
        $examples.Count | Should -BeGreaterThan 2
        @(Find-NewerSyntax $examples | ForEach-Object { "$($_.Kind) $($_.File):$($_.Line) $($_.Text)" }) | Should -BeNullOrEmpty
    }

    It 'the walk flags each 7-only syntax in a probe file, ?? first of all' {
        $probe = [System.IO.Path]::Combine($PSScriptRoot, 'fixtures', 'newer-syntax.ps1')
        $found = @(Find-NewerSyntax $probe | ForEach-Object { "$($_.Kind) $($_.Line) $($_.Text.Split("`n")[0].Trim())" })
        $found | Should -Be @(
            'NewerSyntax 5 $a ?? 1'
            'NewerSyntax 6 $a ??= 2'
            'NewerSyntax 7 $true ? 1 : 2'
            'NewerSyntax 8 Get-Date && Get-Date'
            'NewerSyntax 9 ${a}?.Length'
            'NewerSyntax 10 ${a}?[0]'
            'NewerSyntax 12 {'
        )
    }
}
