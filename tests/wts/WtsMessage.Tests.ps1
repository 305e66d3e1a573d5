# Send-UserSessionMessage on the Windows stack: the generated cmdlet, the helper and the WTS backend
# against the C double of wtsapi32 (SESSIONTOOLS_WTSAPI_PATH). Each session of the fixture answers
# with its own button id (or never: IDTIMEOUT), and the double logs every WTSSendMessageW call with
# its parameters, which must be what the cmdlet was given. Portable like WtsStack.Tests.ps1: the
# double's path may come from SESSIONTOOLS_TEST_WTSAPI (the Windows DLL under wine64).

BeforeAll {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'support', 'TestFixture.psm1')) -Force
    $script:Wts = Start-TestWtsDouble

    # The MessageBox result ids (WTSSendMessageW's *pResponse) and the answer each must become.
    # (A hashtable: an ordered dictionary takes an int index as a position.)
    $script:Answers = @{ 1 = 'Ok'; 2 = 'Cancel'; 3 = 'Abort'; 4 = 'Retry'; 5 = 'Ignore'; 6 = 'Yes'; 7 = 'No'; 10 = 'TryAgain'; 11 = 'Continue' }

    # This computer: one session per answer (ids 11.. answer 1..), one that never answers (id 30),
    # one that refuses messages (id 31, ERROR_ACCESS_DENIED) and no session 32.
    $sessions = [System.Collections.Generic.List[object]]::new()
    foreach ($code in ($script:Answers.Keys | Sort-Object)) {
        $sessions.Add(@{ id = 10 + $code; state = 'Active'; winStation = "RDP-Tcp#$code"; user = "user$code"; domain = 'CONTOSO'; reply = $code; replyMs = 50 })
    }
    $sessions.Add(@{ id = 30; state = 'Active'; winStation = 'RDP-Tcp#30'; user = 'silent'; domain = 'CONTOSO'; reply = 'none' })
    $sessions.Add(@{ id = 31; state = 'Active'; winStation = 'RDP-Tcp#31'; user = 'guarded'; domain = 'CONTOSO'; deny = @('message') })
    Set-TestWtsFixture $script:Wts @(@{ name = '.'; sessions = $sessions.ToArray() })

    function Get-MessageCalls {
        Get-TestWtsLog $script:Wts | Where-Object event -EQ 'message'
    }
}

AfterAll { Stop-TestWtsDouble $script:Wts }

Describe 'Send-UserSessionMessage on the WTS stack' {
    BeforeEach { Reset-TestWtsDouble $script:Wts }

    It 'with -Wait writes each session''s answer: every MessageBox result by its name' {
        $ids = @($script:Answers.Keys | ForEach-Object { 10 + $_ })
        $out = @(Get-UserSession -Id $ids | Send-UserSessionMessage -Text 'Save your work' -Buttons YesNoCancel -Wait -TimeoutSec 20)
        $out.Count | Should -Be $ids.Count
        foreach ($code in $script:Answers.Keys) {
            $r = $out | Where-Object SessionId -EQ (10 + $code)
            $r.pstypenames[0] | Should -Be 'SessionTools.SessionMessage'
            $r.Answer | Should -BeExactly $script:Answers[$code]
            $r.UserName | Should -BeExactly "user$code"
            $r.ComputerName | Should -BeExactly ([System.Net.Dns]::GetHostName())
        }
        @(Get-MessageCalls).Count | Should -Be $ids.Count
    }

    It 'passes -Title, -Text (lengths in bytes), -TimeoutSec and -Wait to WTSSendMessageW as given' {
        $title = 'Wartung ' + [char]::ConvertFromUtf32(0x1F527)
        $text = "Line one`nZeile zwei: $([char] 0xE9)"
        $r = Send-UserSessionMessage -Id 11 -Title $title -Text $text -TimeoutSec 45 -Wait
        $r.Answer | Should -BeExactly 'Ok'
        $call = Get-MessageCalls
        $call.session | Should -Be 11
        $call.title | Should -BeExactly $title
        $call.message | Should -BeExactly $text
        $call.titleBytes | Should -Be ($title.Length * 2)
        $call.messageBytes | Should -Be ($text.Length * 2)
        $call.timeout | Should -Be 45
        $call.wait | Should -Be 1
        $call.style | Should -Be 0
    }

    It '-Buttons <Buttons> is the MessageBox style <Style>' -ForEach @(
        @{ Buttons = 'OK'; Style = 0 }, @{ Buttons = 'OKCancel'; Style = 1 }, @{ Buttons = 'AbortRetryIgnore'; Style = 2 },
        @{ Buttons = 'YesNoCancel'; Style = 3 }, @{ Buttons = 'YesNo'; Style = 4 }, @{ Buttons = 'RetryCancel'; Style = 5 },
        @{ Buttons = 'CancelTryContinue'; Style = 6 }
    ) {
        $r = Send-UserSessionMessage -Id 16 -Text 'Log off now?' -Buttons $Buttons -Wait
        $r.Answer | Should -BeExactly 'Yes'
        (Get-MessageCalls).style | Should -Be $Style
    }

    It 'takes -Buttons and -State in any case, as ValidateSet does, and sends their declared spelling' {
        $r = Send-UserSessionMessage -Id 16 -Text 'Log off now?' -Buttons yesNO -Wait
        $r.Answer | Should -BeExactly 'Yes'
        (Get-MessageCalls).style | Should -Be 4
        @(Get-UserSession -State ACTIVE).Count | Should -Be 11
    }

    It 'without -Wait does not wait: the answer is Async, and the default title and timeout are sent' {
        $r = Send-UserSessionMessage -Id 30 -Text 'FYI'
        $r.Answer | Should -BeExactly 'Async'
        $call = Get-MessageCalls
        $call.wait | Should -Be 0
        $call.response | Should -Be 32001
        $call.title | Should -BeExactly 'SessionTools'
        $call.timeout | Should -Be 60
    }

    It 'a user who does not answer within -TimeoutSec is Timeout, after that time' {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $r = Send-UserSessionMessage -Id 30 -Text 'Anyone?' -Wait -TimeoutSec 2
        $watch.Stop()
        $r.Answer | Should -BeExactly 'Timeout'
        $r.UserName | Should -BeExactly 'silent'
        $watch.ElapsedMilliseconds | Should -BeGreaterOrEqual 1900
        (Get-MessageCalls).response | Should -Be 32000
    }

    It 'waits for several sessions side by side, not one after the other' {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $out = @(Send-UserSessionMessage -Id 30, 11, 12 -Text 'Anyone?' -Wait -TimeoutSec 3)
        $watch.Stop()
        ($out | ForEach-Object Answer) -join ',' | Should -BeExactly 'Timeout,Ok,Cancel'
        $watch.ElapsedMilliseconds | Should -BeLessThan 5500
    }

    It 'a denied session is AccessDenied and a missing one SessionNotFound; the others still get the message' {
        $out = @(Send-UserSessionMessage -Id 31, 32, 11 -Text 'Hello' -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 1
        $out[0].SessionId | Should -Be 11
        $errs.Count | Should -Be 2
        $errs[0].FullyQualifiedErrorId | Should -Match '^AccessDenied'
        [string] $errs[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $errs[1].FullyQualifiedErrorId | Should -Match '^SessionNotFound'
        [string] $errs[1].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It '-WhatIf sends nothing' {
        $out = @(Get-UserSession -Id 11, 12 | Send-UserSessionMessage -Text 'Hello' -WhatIf)
        $out.Count | Should -Be 0
        @(Get-MessageCalls).Count | Should -Be 0
    }
}
