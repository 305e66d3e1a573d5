using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace SessionTools.Pwsh;

/// <summary>
/// The host's user interface, after pwsh's ConsoleHostUserInterface: where each stream goes (output
/// and warnings/verbose/debug to stdout, errors to stderr when stderr is redirected, everything
/// serialized with -OutputFormat XML), the text of the prompts, and the NonInteractive rule.
/// </summary>
internal sealed partial class HostUserInterface : PSHostUserInterface, IHostUISupportsMultipleChoiceSelection
{
    // pwsh's ConsoleHostUserInterfaceStrings.ReadFailsOnNonInteractiveFlag.
    public const string NonInteractiveMessage = "PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.";

    private readonly PwshHost _parent;
    private readonly RawUserInterface _rawUI;
    private readonly object _lock = new();
    private readonly ProgressView _progress;

    public bool ReadFromStdin { get; set; }
    public bool NoPrompt { get; set; }
    public bool ThrowOnReadAndPrompt { get; set; }
    public LineEditor Editor { get; }

    public HostUserInterface(PwshHost parent)
    {
        _parent = parent;
        _rawUI = new RawUserInterface();
        _progress = new ProgressView(_rawUI);
        Editor = new LineEditor();

        // As ConsoleHostUserInterface's constructor: VT is on unless TERM=dumb; xterm-mono and NO_COLOR
        // turn rendering to plain text.
        SupportsVirtualTerminal = true;
        switch (Environment.GetEnvironmentVariable("TERM"))
        {
            case "dumb": SupportsVirtualTerminal = false; break;
            case "xterm-mono":
            case "xtermm": PSStyle.Instance.OutputRendering = OutputRendering.PlainText; break;
        }
        if (Environment.GetEnvironmentVariable("NO_COLOR") != null)
            PSStyle.Instance.OutputRendering = OutputRendering.PlainText;
    }

    public override PSHostRawUserInterface RawUI => _rawUI;

    public override bool SupportsVirtualTerminal { get; }

    /// <summary>pwsh's HandleThrowOnReadAndPrompt: the same exception type and message.</summary>
    private void HandleThrowOnReadAndPrompt()
    {
        if (ThrowOnReadAndPrompt) throw new PSInvalidOperationException(NonInteractiveMessage);
    }

    // ---------------- writing ----------------

    /// <summary>Where console text goes: stdout (pwsh's ConsoleTextWriter or Console.Out).</summary>
    private static TextWriter ConsoleWriter => Console.Out;

    public override void Write(string value)
    {
        lock (_lock) WriteImpl(value, newLine: false);
    }

    public override void WriteLine(string value)
    {
        lock (_lock) WriteImpl(value, newLine: true);
    }

    public override void WriteLine() => WriteLine(string.Empty);

    private void WriteImpl(string value, bool newLine)
    {
        if (string.IsNullOrEmpty(value) && !newLine) return;
        _progress.Hide();
        value = GetOutputString(value ?? string.Empty, SupportsVirtualTerminal);
        if (_parent.IsRunningAsync)
        {
            // Not interactive: console text is one more item of the output stream (text or CLIXML string).
            _parent.OutputSerializer.Serialize(value);
            if (newLine) _parent.OutputSerializer.Serialize(Environment.NewLine);
        }
        else if (newLine) ConsoleWriter.WriteLine(value);
        else ConsoleWriter.Write(value);
        _progress.Show();
    }

    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) =>
        WriteColored(foregroundColor, backgroundColor, value, newLine: false);

    public override void WriteLine(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) =>
        WriteColored(foregroundColor, backgroundColor, value, newLine: true);

    private void WriteColored(ConsoleColor fg, ConsoleColor bg, string value, bool newLine)
    {
        lock (_lock)
        {
            ConsoleColor oldFg = _rawUI.ForegroundColor, oldBg = _rawUI.BackgroundColor;
            _rawUI.ForegroundColor = fg;
            _rawUI.BackgroundColor = bg;
            try { WriteImpl(value, newLine); }
            finally
            {
                _rawUI.ForegroundColor = oldFg;
                _rawUI.BackgroundColor = oldBg;
            }
        }
    }

    /// <summary>Text of prompts, written straight to the console (pwsh's WriteToConsole).</summary>
    private void WriteToConsole(string text, bool newLine = false, ConsoleColor? fg = null)
    {
        lock (_lock)
        {
            _progress.Hide();
            ConsoleColor old = _rawUI.ForegroundColor;
            if (fg.HasValue) _rawUI.ForegroundColor = fg.Value;
            try
            {
                if (newLine) ConsoleWriter.WriteLine(text); else ConsoleWriter.Write(text);
                ConsoleWriter.Flush();
            }
            finally
            {
                if (fg.HasValue) _rawUI.ForegroundColor = old;
            }
        }
    }

    public override void WriteErrorLine(string value)
    {
        if (string.IsNullOrEmpty(value)) return;
        bool toConsole = !Console.IsErrorRedirected || _parent.IsInteractive;
        if (_parent.ErrorFormat == DataFormat.XML)
        {
            _parent.ErrorSerializer.Serialize(value + Environment.NewLine);
        }
        else if (toConsole)
        {
            if (SupportsVirtualTerminal) WriteLine(value);
            else WriteLine(ConsoleColor.Red, _rawUI.BackgroundColor, value);
        }
        else
        {
            lock (_lock)
            {
                _progress.Hide();
                Console.Error.WriteLine(GetOutputString(value, SupportsVirtualTerminal));
                _progress.Show();
            }
        }
    }

    private void WriteStreamLine(string message, string prefix, FormatStyle style, ConsoleColor color, string streamName)
    {
        if (_parent.ErrorFormat == DataFormat.XML)
        {
            _parent.ErrorSerializer.Serialize(message, streamName);
        }
        else if (SupportsVirtualTerminal)
        {
            WriteLine(GetFormatStyleString(style) + prefix + message + PSStyle.Instance.Reset);
        }
        else
        {
            WriteLine(color, _rawUI.BackgroundColor, prefix + message);
        }
    }

    public override void WriteDebugLine(string message) =>
        WriteStreamLine(message, "DEBUG: ", FormatStyle.Debug, ConsoleColor.Yellow, "debug");

    public override void WriteVerboseLine(string message) =>
        WriteStreamLine(message, "VERBOSE: ", FormatStyle.Verbose, ConsoleColor.Yellow, "verbose");

    public override void WriteWarningLine(string message) =>
        WriteStreamLine(message, "WARNING: ", FormatStyle.Warning, ConsoleColor.Yellow, "warning");

    public override void WriteInformation(InformationRecord record)
    {
        // As pwsh: the information stream is only visible when serialized; Write-Host output reaches
        // the host through Write/WriteLine by the engine itself.
        if (_parent.ErrorFormat == DataFormat.XML) _parent.ErrorSerializer.Serialize(record, "information");
    }

    public override void WriteProgress(long sourceId, ProgressRecord record)
    {
        if (_parent.ErrorFormat == DataFormat.XML)
        {
            var o = new PSObject();
            o.Properties.Add(new PSNoteProperty("SourceId", sourceId));
            o.Properties.Add(new PSNoteProperty("Record", record));
            _parent.ErrorSerializer.Serialize(o, "progress");
        }
        else if (Console.IsOutputRedirected || Console.IsErrorRedirected)
        {
            // pwsh draws no progress when stdout is redirected; this host draws it on stderr, so it
            // also needs stderr to be a terminal.
        }
        else
        {
            lock (_lock) _progress.Update(sourceId, record);
        }
    }

    public void ResetProgress()
    {
        lock (_lock) _progress.Reset();
    }

    // ---------------- reading ----------------

    public override string ReadLine()
    {
        HandleThrowOnReadAndPrompt();
        return ReadLineFromPipeline(mask: false) ?? string.Empty;
    }

    public override SecureString ReadLineAsSecureString()
    {
        HandleThrowOnReadAndPrompt();
        string line = ReadLineFromPipeline(mask: true) ?? string.Empty;
        var s = new SecureString();
        foreach (char c in line) s.AppendChar(c);
        s.MakeReadOnly();
        return s;
    }

    /// <summary>
    /// A line typed on the terminal while a pipeline runs (Read-Host, prompts). Ctrl+C there stops
    /// the pipeline, as in pwsh.
    /// </summary>
    private string? ReadLineFromPipeline(bool mask)
    {
        string? line = ReadFromStdin
            ? ReadLineFromFile()
            : Editor.ReadLine(mask ? '*' : null, useHistory: false, out bool interrupted, out _);
        if (line == null && !ReadFromStdin)
        {
            Console.Out.WriteLine();
            Executor.StopCurrent();
            throw new PipelineStoppedException();
        }
        return line;
    }

    /// <summary>
    /// Reads one line of redirected stdin (pwsh's ReadLineFromFile): characters are echoed unless
    /// NoPrompt ("-Command -"); \r, \n and \r\n end a line; null at end of input.
    /// </summary>
    public string? ReadLineFromFile()
    {
        var sb = new StringBuilder();
        TextReader input = _parent.ConsoleIn;
        while (true)
        {
            int ic = input.Read();
            if (ic == -1) return sb.Length == 0 ? null : sb.ToString();
            char c = (char)ic;
            if (!NoPrompt) Console.Out.Write(c);
            if (c == '\r')
            {
                if (input.Peek() == '\n')
                {
                    if (!NoPrompt) Console.Out.Write('\n');
                    input.Read();
                }
                break;
            }
            if (c == '\n') break;
            if (c == '\b' && !NoPrompt) { if (sb.Length > 0) sb.Remove(sb.Length - 1, 1); }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    // ---------------- prompts ----------------

    private static ConsoleColor PromptColor => ConsoleColor.White;
    private static ConsoleColor DefaultPromptColor => ConsoleColor.Yellow;

    /// <summary>Word-wraps to the window width less one cell (pwsh's WrapToCurrentWindowWidth).</summary>
    private string Wrap(string text)
    {
        int width = Math.Max(10, _rawUI.WindowSize.Width - 1);
        var lines = new List<string>();
        foreach (string raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            string rest = raw;
            while (rest.Length > width)
            {
                int cut = rest.LastIndexOf(' ', width);
                if (cut <= 0) cut = width;
                lines.Add(rest.Substring(0, cut).TrimEnd());
                rest = rest.Substring(cut).TrimStart();
            }
            lines.Add(rest);
        }
        return string.Join(Environment.NewLine, lines);
    }

    private void WriteCaptionAndMessage(string? caption, string? message)
    {
        if (!string.IsNullOrEmpty(caption))
        {
            WriteToConsole(string.Empty, newLine: true);
            WriteToConsole(Wrap(caption), newLine: true, fg: PromptColor);
        }
        if (!string.IsNullOrEmpty(message)) WriteToConsole(Wrap(message), newLine: true);
    }

    public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
    {
        HandleThrowOnReadAndPrompt();
        ArgumentNullException.ThrowIfNull(descriptions);
        if (descriptions.Count < 1) throw new ArgumentException("descriptions cannot be an empty collection.", nameof(descriptions));

        var results = new Dictionary<string, PSObject>();
        lock (_lock)
        {
            WriteCaptionAndMessage(caption, message);
            bool anyHelp = false;
            foreach (var d in descriptions) anyHelp |= d != null && !string.IsNullOrEmpty(d.HelpMessage);
            if (anyHelp) WriteToConsole(Wrap("(Type !? for Help.)"), newLine: true);

            foreach (FieldDescription desc in descriptions)
            {
                Type fieldType = ResolveFieldType(desc);
                if (fieldType != typeof(string) && typeof(IList).IsAssignableFrom(fieldType))
                {
                    Type element = fieldType.IsArray ? fieldType.GetElementType()! : typeof(object);
                    var items = new ArrayList();
                    while (true)
                    {
                        object? item = PromptForSingleItem(element, $"{desc.Name}[{items.Count}]: ", desc, listInput: true, out bool endList);
                        if (endList) break;
                        items.Add(item);
                    }
                    results[desc.Name] = LanguagePrimitives.TryConvertTo(items, fieldType, out object? converted)
                        ? PSObject.AsPSObject(converted)
                        : PSObject.AsPSObject(items);
                }
                else
                {
                    object? value = PromptForSingleItem(fieldType, desc.Name + ": ", desc, listInput: false, out _);
                    results[desc.Name] = PSObject.AsPSObject(value);
                }
            }
        }
        return results;
    }

    private static Type ResolveFieldType(FieldDescription desc)
    {
        string? name = desc.ParameterAssemblyFullName;
        Type? t = null;
        if (!string.IsNullOrEmpty(name)) t = Type.GetType(name, throwOnError: false);
        if (t == null && !string.IsNullOrEmpty(desc.ParameterTypeFullName))
            LanguagePrimitives.TryConvertTo(desc.ParameterTypeFullName, out t);
        return t ?? typeof(string);
    }

    private object? PromptForSingleItem(Type type, string prompt, FieldDescription desc, bool listInput, out bool endList)
    {
        endList = false;
        while (true)
        {
            WriteToConsole(prompt);
            if (type == typeof(SecureString))
            {
                return ReadLineAsSecureString();
            }
            if (type == typeof(PSCredential))
            {
                return PromptForCredential(null!, null!, null!, null!);
            }
            string line = ReadLine();
            if (line.StartsWith("!", StringComparison.Ordinal))
            {
                if (line == "!?")
                {
                    WriteToConsole(Wrap(string.IsNullOrEmpty(desc.HelpMessage) ? $"No help is available for {desc.Name}." : desc.HelpMessage), newLine: true);
                    continue;
                }
                if (line.StartsWith("!!", StringComparison.Ordinal)) line = line.Substring(1);
            }
            if (listInput && line.Length == 0) { endList = true; return null; }
            try
            {
                return LanguagePrimitives.ConvertTo(line, type, CultureInfo.InvariantCulture);
            }
            catch (PSInvalidCastException e)
            {
                WriteToConsole(Wrap(e.InnerException?.Message ?? e.Message), newLine: true);
            }
        }
    }

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
        PromptForCredential(caption, message, userName, targetName, PSCredentialTypes.Default, PSCredentialUIOptions.Default);

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
        PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options)
    {
        HandleThrowOnReadAndPrompt();
        WriteCaptionAndMessage(caption, message);
        if (string.IsNullOrEmpty(userName))
        {
            do
            {
                WriteToConsole("User: ");
                userName = ReadLine();
            }
            while (userName.Length == 0);
        }
        WriteToConsole($"Password for user {userName}: ");
        SecureString password = ReadLineAsSecureString();
        if (!string.IsNullOrEmpty(targetName)) userName = targetName + "\\" + userName;
        return new PSCredential(userName, password);
    }
}
