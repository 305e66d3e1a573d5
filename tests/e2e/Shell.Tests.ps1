# `npm run shell`: after its build step, package.json runs `node tools/run-pwsh.mjs -NoLogo -NoProfile
# -NoExit -Command "Import-Module ./module/SessionTools.psd1"` from the repository root. Run here as
# written there, at a real terminal (tmux): the project's PowerShell, with PSReadLine editing the
# command line and the module imported.

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'Tmux.psm1')) -Force
    $script:terminal = $null
}

AfterAll {
    if ($script:terminal) { Stop-TmuxTerminal $script:terminal }
}

Describe 'npm run shell' {
    BeforeAll {
        # The words of the "shell" script after its build step, as npm's shell splits them.
        $npmScript = (Get-Content -Raw ([System.IO.Path]::Combine((Get-TestRoot), 'package.json')) | ConvertFrom-Json).scripts.shell
        $npmScript | Should -BeLike 'tsx build.ts && node *'
        $words = @([regex]::Matches($npmScript.Substring($npmScript.IndexOf('&&') + 2), '"[^"]*"|\S+') | ForEach-Object { $_.Value.Trim('"') })
        $node = $env:SESSIONTOOLS_TEST_NODE
        if (-not $node) { $node = 'node' }
        $script:terminal = Start-TmuxTerminal -FilePath $node -ArgumentList $words[1..($words.Count - 1)] -WorkingDirectory (Get-TestRoot) -TimeoutMs 60000

        # The PowerShell it runs: SESSIONTOOLS_PWSH when set, else the version pinned in .config/dotnet-tools.json.
        if ($env:SESSIONTOOLS_PWSH) {
            $script:expectedVersion = (Invoke-TestPwsh -ArgumentList '-NoProfile', '-Command', '$PSVersionTable.PSVersion.ToString()').Stdout.Trim()
        } else {
            $script:expectedVersion = (Get-Content -Raw ([System.IO.Path]::Combine((Get-TestRoot), '.config', 'dotnet-tools.json')) | ConvertFrom-Json).tools.powershell.version
        }
    }

    It 'is the project''s PowerShell' {
        Invoke-TmuxLine $script:terminal '$PSVersionTable.PSVersion.ToString()' | Should -Be $script:expectedVersion
    }

    It 'edits the command line with PSReadLine' {
        Invoke-TmuxLine $script:terminal '(Get-Module PSReadLine).Name; (Get-Command PSConsoleHostReadLine).Source' | Should -Be 'PSReadLine', 'PSReadLine'
    }

    It 'has the module imported from the repository, and Tab completes its commands' {
        Invoke-TmuxLine $script:terminal '(Get-Module SessionTools).ModuleBase' | Should -Be ([System.IO.Path]::Combine((Get-TestRoot), 'module'))
        Send-TmuxKeys $script:terminal -Literal '(Get-Command Get-UserSess' -Key Tab
        Send-TmuxKeys $script:terminal -Literal ').Source' -Key Enter
        $shown = @((Wait-TmuxPrompt $script:terminal -TimeoutMs 30000) -split "`n")
        $shown[0] | Should -Be 'SessionTools'
        (Get-TmuxScreen $script:terminal) | Should -Contain "PS $(Get-TestRoot)> (Get-Command Get-UserSession).Source"
    }
}
