# SessionTools runtime: starts the helper, talks JSON-RPC 2.0 to it over stdio, and turns its
# answers into objects and error records. Hand-written; dot-sourced by the generated
# SessionTools.psm1, which defines $script:SessionToolsErrors and $script:SessionToolsProtocolVersion.
#
# Rules this file keeps (see docs in README.md, "PowerShell runtime"):
# - Windows PowerShell 5.1 syntax (tests/module/Syntax.Tests.ps1), .NET APIs present in both
#   .NET Framework 4.6.2 and .NET 10. JSON is read with JsonReaderWriterFactory for that reason.
# - The helper is started by absolute path, never through a shell; stdin is written as UTF-8 bytes
#   without BOM; stderr is drained to a log file so the helper can never block on it.
# - Every wait is bounded and sliced (100 ms) so Ctrl+C stops a waiting call.

Set-StrictMode -Version 2.0

# JsonReaderWriterFactory (Read-SessionToolsJson) is in System.Runtime.Serialization, which .NET
# Framework does not load by itself (.NET has it in the shared framework pwsh runs on). It is loaded
# here, not listed in the manifest's RequiredAssemblies: Test-ModuleManifest takes a bare assembly
# name there for a file path, and outside Windows (no GAC to look in) it fails on it.
# Not checked here: Windows PowerShell 5.1 loading it from the GAC by this full name.
if ($PSVersionTable.PSEdition -ne 'Core') {
    $null = [System.Reflection.Assembly]::Load('System.Runtime.Serialization, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089')
}

$script:SessionToolsHelper = $null
$script:SessionToolsUtf8 = [System.Text.UTF8Encoding]::new($false)

function Get-SessionToolsTimeout {
    param([int] $DefaultSeconds)
    $fromEnv = [Environment]::GetEnvironmentVariable('SESSIONTOOLS_RPC_TIMEOUT_SECONDS')
    $seconds = 0
    if ($fromEnv -and [int]::TryParse($fromEnv, [ref] $seconds) -and $seconds -gt 0) { return $seconds * 1000 }
    return $DefaultSeconds * 1000
}

function New-SessionToolsErrorRecord {
    param(
        [Parameter(Mandatory = $true)] [string] $ErrorId,
        [Parameter(Mandatory = $true)] [string] $Message,
        [object] $Target
    )
    $info = $script:SessionToolsErrors[$ErrorId]
    if ($null -eq $info) { $info = $script:SessionToolsErrors['BackendFailed'] }
    $category = [System.Management.Automation.ErrorCategory] $info.Category
    $exception = switch ($info.Category) {
        'ObjectNotFound' { [System.Management.Automation.ItemNotFoundException]::new($Message) }
        'PermissionDenied' { [System.UnauthorizedAccessException]::new($Message) }
        'NotImplemented' { [System.NotSupportedException]::new($Message) }
        'OperationTimeout' { [System.TimeoutException]::new($Message) }
        'ConnectionError' { [System.IO.IOException]::new($Message) }
        default { [System.InvalidOperationException]::new($Message) }
    }
    $record = [System.Management.Automation.ErrorRecord]::new($exception, $ErrorId, $category, $Target)
    $record.ErrorDetails = [System.Management.Automation.ErrorDetails]::new($Message)
    $record.ErrorDetails.RecommendedAction = $info.Action
    return $record
}

function ConvertTo-SessionToolsJson {
    # Writes the JSON of strings, numbers, booleans, $null, lists and dictionaries: all that RPC
    # params hold. Numbers are written with the invariant culture.
    param([AllowNull()] [object] $Value, [System.Text.StringBuilder] $Builder)
    if ($null -eq $Builder) {
        $Builder = [System.Text.StringBuilder]::new()
        ConvertTo-SessionToolsJson -Value $Value -Builder $Builder
        return $Builder.ToString()
    }
    if ($null -eq $Value) { [void] $Builder.Append('null'); return }
    if ($Value -is [System.Management.Automation.PSObject]) { $Value = $Value.psobject.BaseObject }
    # A StringBuilder holds JSON text written already (a batch of targets): it is copied as is.
    if ($Value -is [System.Text.StringBuilder]) { [void] $Builder.Append($Value.ToString()); return }
    if ($Value -is [bool] -or $Value -is [System.Management.Automation.SwitchParameter]) {
        if ([bool] $Value) { [void] $Builder.Append('true') } else { [void] $Builder.Append('false') }
        return
    }
    if ($Value -is [string] -or $Value -is [char]) {
        $text = [string] $Value
        if ($text -notmatch '[\x00-\x1f"\\]') { [void] $Builder.Append('"').Append($text).Append('"'); return }
        [void] $Builder.Append('"')
        foreach ($c in $text.ToCharArray()) {
            $code = [int] $c
            if ($c -eq '"') { [void] $Builder.Append('\"') }
            elseif ($c -eq '\') { [void] $Builder.Append('\\') }
            elseif ($code -lt 0x20) { [void] $Builder.Append('\u').Append($code.ToString('x4')) }
            else { [void] $Builder.Append($c) }
        }
        [void] $Builder.Append('"')
        return
    }
    if ($Value -is [int] -or $Value -is [long] -or $Value -is [double] -or $Value -is [uint32] -or $Value -is [decimal]) {
        [void] $Builder.Append(([System.IConvertible] $Value).ToString([System.Globalization.CultureInfo]::InvariantCulture))
        return
    }
    if ($Value -is [System.Collections.IDictionary]) {
        [void] $Builder.Append('{')
        $first = $true
        foreach ($key in $Value.Keys) {
            if (-not $first) { [void] $Builder.Append(',') }
            $first = $false
            ConvertTo-SessionToolsJson -Value ([string] $key) -Builder $Builder
            [void] $Builder.Append(':')
            ConvertTo-SessionToolsJson -Value $Value[$key] -Builder $Builder
        }
        [void] $Builder.Append('}')
        return
    }
    if ($Value -is [System.Collections.IEnumerable]) {
        [void] $Builder.Append('[')
        $first = $true
        foreach ($item in $Value) {
            if (-not $first) { [void] $Builder.Append(',') }
            $first = $false
            ConvertTo-SessionToolsJson -Value $item -Builder $Builder
        }
        [void] $Builder.Append(']')
        return
    }
    ConvertTo-SessionToolsJson -Value ([string] $Value) -Builder $Builder
}

function Read-SessionToolsJson {
    # Parses one JSON text into an XmlElement (JsonReaderWriterFactory's mapping: each member is a
    # child element named by its key with a type attribute). Generated converters read fields by name.
    param([Parameter(Mandatory = $true)] [string] $Text)
    $bytes = $script:SessionToolsUtf8.GetBytes($Text)
    $reader = [System.Runtime.Serialization.Json.JsonReaderWriterFactory]::CreateJsonReader($bytes, [System.Xml.XmlDictionaryReaderQuotas]::Max)
    try {
        $doc = [System.Xml.XmlDocument]::new()
        $doc.Load($reader)
        return $doc.DocumentElement
    } finally {
        $reader.Close()
    }
}

function Get-SessionToolsJsonValue {
    # The value of one scalar member of a parsed JSON object: string, double, bool or $null.
    param([System.Xml.XmlElement] $Node)
    if ($null -eq $Node) { return $null }
    switch ($Node.GetAttribute('type')) {
        'null' { return $null }
        'number' { return [double]::Parse($Node.InnerText, [System.Globalization.CultureInfo]::InvariantCulture) }
        'boolean' { return $Node.InnerText -eq 'true' }
        default { return $Node.InnerText }
    }
}

function Find-SessionToolsHelper {
    # The helper is bin/helper.mjs beside this file, run by the Node runtime shipped in bin/
    # (node.exe on Windows, node elsewhere): absolute paths only, never PATH.
    $bin = [System.IO.Path]::Combine($PSScriptRoot, 'bin')
    $entry = [System.IO.Path]::Combine($bin, 'helper.mjs')
    $node = [System.IO.Path]::Combine($bin, 'node.exe')
    if (-not [System.IO.File]::Exists($node)) { $node = [System.IO.Path]::Combine($bin, 'node') }
    if (-not [System.IO.File]::Exists($node) -or -not [System.IO.File]::Exists($entry)) {
        return $null
    }
    return @{ Node = $node; Entry = $entry }
}

function Get-SessionToolsLogTail {
    param([string] $Path, [int] $MaxChars = 2000)
    try {
        $stream = [System.IO.FileStream]::new($Path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read, [System.IO.FileShare]::ReadWrite -bor [System.IO.FileShare]::Delete)
        try {
            $text = [System.IO.StreamReader]::new($stream, $script:SessionToolsUtf8).ReadToEnd()
        } finally { $stream.Dispose() }
        if ($text.Length -gt $MaxChars) { $text = $text.Substring($text.Length - $MaxChars) }
        return $text.Trim()
    } catch {
        return ''
    }
}

function Stop-SessionToolsHelper {
    # Closes the helper's stdin (it exits on EOF), waits briefly, then kills it. Safe to call twice.
    $helper = $script:SessionToolsHelper
    $script:SessionToolsHelper = $null
    if ($null -eq $helper) { return }
    try { $helper.Stdin.Close() } catch { $null = $_ }
    try {
        if (-not $helper.Process.WaitForExit(2000)) { $helper.Process.Kill() ; $null = $helper.Process.WaitForExit(2000) }
    } catch { $null = $_ }
    try { $null = $helper.StderrCopy.Wait(1000) } catch { $null = $_ }
    try { $helper.Log.Dispose() } catch { $null = $_ }
    try { [System.IO.File]::Delete($helper.LogPath) } catch { $null = $_ }
    try { $helper.Process.Dispose() } catch { $null = $_ }
}

function Start-SessionToolsHelper {
    param([Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Cmdlet)
    $found = Find-SessionToolsHelper
    if ($null -eq $found) {
        $Cmdlet.ThrowTerminatingError((New-SessionToolsErrorRecord -ErrorId 'HelperNotFound' -Target $PSScriptRoot -Message (
            "The SessionTools helper is missing from '$([System.IO.Path]::Combine($PSScriptRoot, 'bin'))'.")))
    }
    $start = [System.Diagnostics.ProcessStartInfo]::new()
    $start.FileName = $found.Node
    # .NET Framework has no ArgumentList: one argument, quoted for CommandLineToArgvW rules.
    $start.Arguments = '"' + $found.Entry.Replace('"', '\"') + '"'
    $start.UseShellExecute = $false
    $start.CreateNoWindow = $true
    $start.RedirectStandardInput = $true
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start.StandardOutputEncoding = $script:SessionToolsUtf8
    $start.StandardErrorEncoding = $script:SessionToolsUtf8
    $start.WorkingDirectory = [System.IO.Path]::GetTempPath()
    $start.EnvironmentVariables.Remove('NODE_OPTIONS')

    $logPath = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'SessionTools-helper-' + [guid]::NewGuid().ToString('N') + '.log')
    try {
        $process = [System.Diagnostics.Process]::Start($start)
    } catch {
        $Cmdlet.ThrowTerminatingError((New-SessionToolsErrorRecord -ErrorId 'HelperStartFailed' -Target $found.Node -Message (
            "The SessionTools helper could not be started ($($found.Node)): $($_.Exception.Message)")))
    }
    $log = [System.IO.FileStream]::new($logPath, [System.IO.FileMode]::Create, [System.IO.FileAccess]::Write, [System.IO.FileShare]::ReadWrite -bor [System.IO.FileShare]::Delete)
    $script:SessionToolsHelper = @{
        Process = $process
        Stdin = $process.StandardInput.BaseStream
        Stdout = $process.StandardOutput
        Pending = $null
        NextId = 1
        Log = $log
        LogPath = $logPath
        StderrCopy = $process.StandardError.BaseStream.CopyToAsync($log)
    }
    # The handshake: the helper refuses another protocol version (HelperProtocolError).
    $null = Invoke-SessionToolsRpcCore -Cmdlet $Cmdlet -Method 'initialize' -TimeoutMs (Get-SessionToolsTimeout -DefaultSeconds 15) -ParamsJson (
        ConvertTo-SessionToolsJson @{ protocolVersion = $script:SessionToolsProtocolVersion })
}

function Get-SessionToolsHelper {
    # The running helper, started (and checked with the handshake) on first use or after it died.
    param([Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Cmdlet)
    $helper = $script:SessionToolsHelper
    if ($null -ne $helper -and $helper.Process.HasExited) {
        Stop-SessionToolsHelper
        $helper = $null
    }
    if ($null -eq $helper) { Start-SessionToolsHelper -Cmdlet $Cmdlet }
    return $script:SessionToolsHelper
}

function Send-SessionToolsRequest {
    # Writes one request line to the running helper. Returns its id, or $null when the helper is
    # gone (the pipe is closed): then it cannot have read the request, so sending again is safe.
    param([Parameter(Mandatory = $true)] [string] $Method, [Parameter(Mandatory = $true)] [string] $ParamsJson)
    $helper = $script:SessionToolsHelper
    $id = $helper.NextId
    $helper.NextId = $id + 1
    $frame = '{"jsonrpc":"2.0","id":' + $id + ',"method":' + (ConvertTo-SessionToolsJson $Method) + ',"params":' + $ParamsJson + "}`n"
    $bytes = $script:SessionToolsUtf8.GetBytes($frame)
    try {
        $helper.Stdin.Write($bytes, 0, $bytes.Length)
        $helper.Stdin.Flush()
        return $id
    } catch {
        return $null
    }
}

function Receive-SessionToolsAnswer {
    # Waits (in 100 ms slices, so Ctrl+C works) for the answer with this id and returns its result
    # as an XmlElement. A fault (no answer in time, a line that is not JSON-RPC, the helper gone)
    # stops the helper: its state is unknown, and the next call starts a new one. A stopped pipeline
    # (Ctrl+C, Select-Object -First) is no fault of the helper: it keeps running, finishes what it
    # was asked, and the next call skips that late answer by its id. With -ReturnIfExited, a helper
    # that ended before answering gives [DBNull]::Value instead of an error, for the caller to
    # retry a call that changes nothing.
    param(
        [Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Cmdlet,
        [Parameter(Mandatory = $true)] [string] $Method,
        [Parameter(Mandatory = $true)] [int] $Id,
        [Parameter(Mandatory = $true)] [int] $TimeoutMs,
        [switch] $ReturnIfExited
    )
    $helper = $script:SessionToolsHelper
    $fault = $true
    try {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        while ($true) {
            if ($null -eq $helper.Pending) { $helper.Pending = $helper.Stdout.ReadLineAsync() }
            $fault = $false
            while (-not $helper.Pending.Wait(100)) {
                if ($watch.ElapsedMilliseconds -ge $TimeoutMs) {
                    $fault = $true
                    $Cmdlet.ThrowTerminatingError((New-SessionToolsErrorRecord -ErrorId 'HelperTimeout' -Target $Method -Message (
                        "The SessionTools helper did not answer '$Method' within $([int]($TimeoutMs / 1000)) s; it was stopped. Nothing is known to have been done.")))
                }
            }
            $fault = $true
            $line = $helper.Pending.Result
            $helper.Pending = $null
            if ($null -eq $line -and $ReturnIfExited) { return [System.DBNull]::Value }
            if ($null -eq $line) {
                $null = $helper.Process.WaitForExit(1000)
                $exitCode = $null
                if ($helper.Process.HasExited) { $exitCode = $helper.Process.ExitCode }
                $Cmdlet.ThrowTerminatingError((New-SessionToolsErrorRecord -ErrorId 'HelperExited' -Target $Method -Message (
                    "The SessionTools helper ended during '$Method' (exit code $exitCode). Nothing is known to have been done. " + (Get-SessionToolsLogTail $helper.LogPath))))
            }
            try {
                $answer = Read-SessionToolsJson -Text $line
            } catch {
                $Cmdlet.ThrowTerminatingError((New-SessionToolsErrorRecord -ErrorId 'HelperProtocolError' -Target $Method -Message (
                    "The SessionTools helper wrote a line that is not JSON-RPC; it was stopped: $($line.Substring(0, [Math]::Min(200, $line.Length)))")))
            }
            $answerId = $answer['id']
            if ($null -eq $answerId -or $answerId.InnerText -ne [string] $Id) { continue } # a late answer to an abandoned call
            $errorNode = $answer['error']
            if ($null -ne $errorNode) {
                $message = Get-SessionToolsJsonValue $errorNode['message']
                $code = Get-SessionToolsJsonValue $errorNode['code']
                if ($code -eq -32602) {
                    # Invalid params: the helper read the request and refused a value the caller
                    # gave (it names it). The helper is fine and is kept.
                    $fault = $false
                    $Cmdlet.ThrowTerminatingError((New-SessionToolsErrorRecord -ErrorId 'InvalidArgument' -Target $Method -Message (
                        "The SessionTools helper refused '$Method': $message")))
                }
                $Cmdlet.ThrowTerminatingError((New-SessionToolsErrorRecord -ErrorId 'HelperProtocolError' -Target $Method -Message (
                    "The SessionTools helper refused '$Method' (JSON-RPC error $code): $message")))
            }
            $fault = $false
            return $answer['result']
        }
    } finally {
        if ($fault) { Stop-SessionToolsHelper }
    }
}

function Invoke-SessionToolsRpcCore {
    param(
        [Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Cmdlet,
        [Parameter(Mandatory = $true)] [string] $Method,
        [Parameter(Mandatory = $true)] [string] $ParamsJson,
        [Parameter(Mandatory = $true)] [int] $TimeoutMs
    )
    $id = Send-SessionToolsRequest -Method $Method -ParamsJson $ParamsJson
    if ($null -eq $id) {
        $helper = $script:SessionToolsHelper
        $null = $helper.Process.WaitForExit(1000)
        $exitCode = $null
        if ($helper.Process.HasExited) { $exitCode = $helper.Process.ExitCode }
        $tail = Get-SessionToolsLogTail $helper.LogPath
        Stop-SessionToolsHelper
        $Cmdlet.ThrowTerminatingError((New-SessionToolsErrorRecord -ErrorId 'HelperExited' -Target $Method -Message (
            "The SessionTools helper ended before '$Method' could be sent (exit code $exitCode). Nothing was done. $tail")))
    }
    return Receive-SessionToolsAnswer -Cmdlet $Cmdlet -Method $Method -Id $id -TimeoutMs $TimeoutMs
}

function Invoke-SessionToolsRpc {
    # Sends one request to the helper (starting it if needed) and returns the result as an
    # XmlElement. Helper trouble is a terminating error: HelperNotFound, HelperStartFailed,
    # HelperTimeout, HelperExited, HelperProtocolError. A helper found dead when the request is
    # written (it cannot have read it) is replaced once and the request sent to the new one. With
    # -ChangesNothing (queries), a helper that dies before it answers is also replaced once and the
    # request sent again: repeating a read is harmless, repeating an action is not.
    param(
        [Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Cmdlet,
        [Parameter(Mandatory = $true)] [string] $Method,
        [Parameter(Mandatory = $true)] [System.Collections.IDictionary] $Params,
        [int] $TimeoutSeconds = 30,
        [switch] $ChangesNothing
    )
    $json = ConvertTo-SessionToolsJson $Params
    if ($Params.Contains('ComputerName') -and $Params.Contains('TimeoutSec') -and $Params.Contains('ThrottleLimit')) {
        # Many computers take up to one -TimeoutSec per round of -ThrottleLimit computers.
        $rounds = [Math]::Ceiling(@($Params['ComputerName']).Count / [double] $Params['ThrottleLimit'])
        $TimeoutSeconds = [Math]::Max($TimeoutSeconds, [int] ($rounds * $Params['TimeoutSec']) + 15)
    }
    $timeoutMs = Get-SessionToolsTimeout -DefaultSeconds $TimeoutSeconds
    $null = Get-SessionToolsHelper -Cmdlet $Cmdlet
    $id = Send-SessionToolsRequest -Method $Method -ParamsJson $json
    if ($null -ne $id) {
        $result = Receive-SessionToolsAnswer -Cmdlet $Cmdlet -Method $Method -Id $id -TimeoutMs $timeoutMs -ReturnIfExited:$ChangesNothing
        if ($result -isnot [System.DBNull]) { return $result }
    }
    Stop-SessionToolsHelper
    $null = Get-SessionToolsHelper -Cmdlet $Cmdlet
    return Invoke-SessionToolsRpcCore -Cmdlet $Cmdlet -Method $Method -ParamsJson $json -TimeoutMs $timeoutMs
}

function Write-SessionToolsTargetError {
    # One non-terminating error per failed target, from a TargetError of the wire.
    param(
        [Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Cmdlet,
        [Parameter(Mandatory = $true)] [System.Xml.XmlElement] $Node,
        [object] $TargetObject
    )
    $err = ConvertTo-SessionToolsTargetError $Node
    if ($null -eq $TargetObject) { $TargetObject = $err.Target }
    $Cmdlet.WriteError((New-SessionToolsErrorRecord -ErrorId $err.ErrorId -Message $err.Message -Target $TargetObject))
}

function Test-SessionToolsWillAsk {
    # Whether ShouldProcess will ask for this command now, by PowerShell's documented rule: not with
    # -WhatIf; otherwise when $ConfirmPreference is not None and the command's ConfirmImpact is at
    # least $ConfirmPreference. -Confirm, -Confirm:$false and -Force (the generated begin block)
    # set $ConfirmPreference in the calling command's scope, which this function sees.
    param([Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Cmdlet)
    if ($WhatIfPreference) { return $false }
    $preference = [System.Management.Automation.ConfirmImpact] $ConfirmPreference
    if ($preference -eq [System.Management.Automation.ConfirmImpact]::None) { return $false }
    $impact = [System.Management.Automation.CommandMetadata]::new($Cmdlet.MyInvocation.MyCommand).ConfirmImpact
    return [int] $impact -ge [int] $preference
}

function Get-SessionToolsCannotAskReason {
    # Why this PowerShell cannot ask the user a question, or $null when it may be able to.
    # ConsoleHost reads the answer to a prompt from stdin whenever stdin is redirected (PowerShell's
    # ConsoleHost.cs sets its ReadFromStdin from Console.IsInputRedirected). At the end of that
    # input (/dev/null, a closed pipe: cron, systemd units, scheduled scripts) there is no answer:
    # PromptForChoice prints the prompt and then fails on the missing line. A redirected stdin that
    # still has text (`'y' | pwsh -File x.ps1`) answers, as ever. Peek reads ahead without taking
    # anything, on a pool thread: an open pipe nobody has written to yet (ssh without a terminal,
    # where a person may still answer) costs 200 ms and is left to ask, never a hang.
    # Windows PowerShell 5.1's ConsoleHost is taken to read redirected stdin the same way; that
    # cannot be checked here.
    if ($Host.Name -ne 'ConsoleHost') { return $null }
    try {
        if (-not [Console]::IsInputRedirected) { return $null }
        $peek = [System.Threading.Tasks.Task[int]]::new([System.Delegate]::CreateDelegate([Func[int]], [Console]::In, 'Peek'))
        $peek.Start()
        if (-not $peek.Wait(200) -or $peek.Result -ne -1) { return $null }
    } catch {
        return $null
    }
    # The host's own refusal when it has one (-NonInteractive: "Read and Prompt functionality is
    # not available"). At the end of input ReadLine reads nothing and prints nothing.
    try {
        $null = $Host.UI.ReadLine()
    } catch {
        $refusal = $_.Exception
        if ($refusal -is [System.Management.Automation.MethodInvocationException] -and $null -ne $refusal.InnerException) { $refusal = $refusal.InnerException }
        if ($refusal -is [System.Management.Automation.PSInvalidOperationException]) { return $refusal.Message }
    }
    return 'its input (stdin) is redirected and has ended, so no answer can be read.'
}

function Invoke-SessionToolsAction {
    # The end of an action command (Stop-, Disconnect-UserSession): for each collected item (a
    # session object, or @{ SessionId; ComputerName } from -Id) ask ShouldProcess, then send every
    # accepted target in ONE call ($Params gets 'targets'), then write one error per failed target
    # and, with -PassThru, each session the action succeeded on. One loop, no call per item: this
    # runs for thousands of piped sessions.
    #
    # Where the host cannot ask (-NonInteractive; stdin redirected and at its end, as under cron,
    # systemd or a scheduled script), that is one terminating ConfirmationRequired error that says
    # how to run unattended, raised before any prompt is printed, and nothing is done to any target.
    param(
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        [string] $Method,
        [string] $Action,
        [System.Collections.Generic.List[object]] $Items,
        [System.Collections.IDictionary] $Params,
        [bool] $PassThru
    )
    $targets = [System.Collections.Generic.List[object]]::new()
    $wire = [System.Text.StringBuilder]::new('[')
    $computerJson = @{}
    $cannotAsk = $null
    if ($Items.Count -gt 0 -and (Test-SessionToolsWillAsk -Cmdlet $Cmdlet)) { $cannotAsk = Get-SessionToolsCannotAskReason }
    foreach ($item in $Items) {
        if ($item -is [hashtable]) {
            $sessionId = [int] $item.SessionId
            $computer = $item.ComputerName
            $what = "session $sessionId"
            if ($computer) { $what += " on $computer" }
            $inputObject = $null
        } else {
            $sessionId = [int] $item.SessionId
            $computer = $item.ComputerName
            $user = $item.UserName
            if ($item.Domain) { $user = $item.Domain + '\' + $user }
            $what = "session $sessionId"
            if ($user -and $item.SessionName) { $what += " ($user on $($item.SessionName))" } elseif ($user) { $what += " ($user)" }
            if ($computer) { $what += " on $computer" }
            $inputObject = $item
        }
        if ($null -eq $cannotAsk) {
            try {
                $approved = $Cmdlet.ShouldProcess($what, $Action)
            } catch [System.Management.Automation.MethodInvocationException] {
                # The host failed to ask: it refuses to (-NonInteractive, no terminal), or stdin
                # ended after an earlier answer (ConsoleHost then fails on the missing line).
                $inner = $_.Exception.InnerException
                if ($inner -is [System.Management.Automation.PSInvalidOperationException] -or $inner -is [System.Management.Automation.Host.HostException]) {
                    $cannotAsk = $inner.Message
                } else {
                    $cannotAsk = Get-SessionToolsCannotAskReason
                }
                if ($null -eq $cannotAsk) { throw }
            }
        }
        if ($null -ne $cannotAsk) {
            $name = $Cmdlet.MyInvocation.MyCommand.Name
            $Cmdlet.ThrowTerminatingError((New-SessionToolsErrorRecord -ErrorId 'ConfirmationRequired' -Target $what -Message (
                "$name asks before it acts ($Action $what), and this PowerShell cannot ask: $cannotAsk " +
                'Nothing was done. Pass -Force or -Confirm:$false to act without asking.')))
        }
        if (-not $approved) { continue }
        $targets.Add(@{ SessionId = $sessionId; InputObject = $inputObject })
        if ($targets.Count -gt 1) { [void] $wire.Append(',') }
        [void] $wire.Append('{"SessionId":').Append($sessionId)
        if ($computer) {
            $name = [string] $computer
            if (-not $computerJson.ContainsKey($name)) { $computerJson[$name] = ConvertTo-SessionToolsJson $name }
            [void] $wire.Append(',"ComputerName":').Append($computerJson[$name])
        }
        [void] $wire.Append('}')
    }
    if ($targets.Count -eq 0) { return }
    $Params['targets'] = $wire.Append(']')
    # Waiting for sessions to end may take the backend's whole escalation; give it room.
    $timeout = 30
    if ($Params.Contains('wait') -and $Params['wait']) { $timeout = 120 }
    $result = Invoke-SessionToolsRpc -Cmdlet $Cmdlet -Method $Method -Params $Params -TimeoutSeconds $timeout
    $index = 0
    foreach ($outcome in $result['outcomes'].ChildNodes) {
        $target = $targets[$index]
        $index++
        $errorNode = $outcome['error']
        if ($null -ne $errorNode -and $errorNode.GetAttribute('type') -ne 'null') {
            $targetObject = $target.InputObject
            if ($null -eq $targetObject) { $targetObject = $target.SessionId }
            Write-SessionToolsTargetError -Cmdlet $Cmdlet -Node $errorNode -TargetObject $targetObject
            continue
        }
        if (-not $PassThru) { continue }
        $sessionNode = $outcome['session']
        if ($null -ne $sessionNode -and $sessionNode.GetAttribute('type') -ne 'null') {
            $Cmdlet.WriteObject([SessionTools.UserSession]::FromWire($sessionNode))
        } elseif ($null -ne $target.InputObject) {
            $Cmdlet.WriteObject($target.InputObject)
        }
    }
}

function Register-SessionToolsCleanup {
    # Stops the helper when the module is removed and when PowerShell exits under its own control.
    # (When the process is killed, the helper sees EOF on stdin and exits by itself.)
    param([System.Management.Automation.PSModuleInfo] $Module)
    # Register-EngineEvent lives in Microsoft.PowerShell.Utility; the event manager itself is .NET.
    $script:SessionToolsExitSubscriber = $ExecutionContext.Events.SubscribeEvent(
        $null, $null, 'PowerShell.Exiting', $null, { Stop-SessionToolsHelper }, $true, $false)
    $Module.OnRemove = {
        if ($null -ne $script:SessionToolsExitSubscriber) { $ExecutionContext.Events.UnsubscribeEvent($script:SessionToolsExitSubscriber) }
        Stop-SessionToolsHelper
    }
}
