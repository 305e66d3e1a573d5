using System;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Text;

namespace SessionTools.Pwsh;

/// <summary>
/// The host: one runspace for the whole session, started and run like pwsh's ConsoleHost
/// (ConsoleHost.cs: Run / DoRunspaceLoop / DoCreateRunspace), including how the exit code is chosen.
/// </summary>
internal sealed class PwshHost : PSHost
{
    public static readonly Version EngineVersion = GetEngineVersion();

    private readonly object _hostLock = new();
    private readonly Guid _instanceId = Guid.NewGuid();
    private readonly HostUserInterface _ui;
    private Runspace? _runspace;
    private ClixmlOutput? _outputSerializer, _errorSerializer;
    private bool _setShouldExitCalled, _shouldEndSession;
    private int _exitCodeFromRunspace;
    private Exception? _lastInitializationException;
    private readonly Lazy<TextReader> _consoleIn = new(() =>
        new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false), false, 4096, leaveOpen: true));

    public CommandLine Options { get; }
    public volatile bool IsRunningPromptLoop;

    public PwshHost(CommandLine options)
    {
        Options = options;
        _ui = new HostUserInterface(this);
    }

    private static Version GetEngineVersion()
    {
        // The engine's informational version is "7.6.9" (+ a commit id on some builds).
        var info = typeof(PSObject).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (info != null)
        {
            int plus = info.IndexOfAny(new[] { '+', '-', ' ' });
            if (Version.TryParse(plus > 0 ? info.Substring(0, plus) : info, out var v)) return v;
        }
        var n = typeof(PSObject).Assembly.GetName().Version!;
        return new Version(n.Major, n.Minor, n.Build);
    }

    // ---- PSHost ----
    // The name is "ConsoleHost", as pwsh's, so scripts that look at $Host.Name behave the same here.
    public override string Name => "ConsoleHost";
    public override Version Version => EngineVersion;
    public override Guid InstanceId => _instanceId;
    public override PSHostUserInterface UI => _ui;
    public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }

    public override void SetShouldExit(int exitCode)
    {
        lock (_hostLock)
        {
            _setShouldExitCalled = true;
            _exitCodeFromRunspace = exitCode;
            _shouldEndSession = true;
        }
    }

    // Nested prompts ($Host.EnterNestedPrompt(), Suspend in a confirmation, debugger break) would need
    // nested pipelines inside the running one; this host does not offer them.
    public override void EnterNestedPrompt() =>
        throw new PSNotSupportedException("This host does not support nested prompts.");

    public override void ExitNestedPrompt() =>
        throw new PSNotSupportedException("This host does not support nested prompts.");

    // ---- state shared with the UI and the executor ----
    public HostUserInterface Ui => _ui;
    public Runspace Runspace => _runspace ?? throw new InvalidOperationException("The runspace is not open.");
    public TextReader ConsoleIn => _consoleIn.Value;

    public bool ShouldEndSession
    {
        get { lock (_hostLock) return _shouldEndSession; }
        set { lock (_hostLock) _shouldEndSession |= value; }
    }

    public DataFormat OutputFormat => Options.OutputFormat;

    /// <summary>Interactive: in the prompt loop and reading keys from a terminal (pwsh's IsInteractive).</summary>
    public bool IsInteractive => IsRunningPromptLoop && !_ui.ReadFromStdin;

    /// <summary>pwsh's IsRunningAsync: not interactive and (XML output or stdin redirected).</summary>
    public bool IsRunningAsync => !IsInteractive && (OutputFormat != DataFormat.Text || Console.IsInputRedirected);

    public DataFormat ErrorFormat => OutputFormat;

    public ClixmlOutput OutputSerializer
    {
        get { lock (_hostLock) return _outputSerializer ??= new ClixmlOutput(OutputFormat, "Output", Console.Out); }
    }

    public ClixmlOutput ErrorSerializer
    {
        get { lock (_hostLock) return _errorSerializer ??= new ClixmlOutput(ErrorFormat, "Error", Console.Error); }
    }

    // ---- running ----

    public int Run()
    {
        _ui.ReadFromStdin = Options.ExplicitReadCommandsFromStdin || Console.IsInputRedirected;
        _ui.NoPrompt = Options.NoPrompt;
        // pwsh throws on Read/Prompt only with -NonInteractive. This host also does so when stdin is not a
        // terminal: a prompt would otherwise wait on (or consume) input meant for something else.
        _ui.ThrowOnReadAndPrompt = Options.NonInteractive || Console.IsInputRedirected;

        Console.CancelKeyPress += OnCancelKeyPress;
        int exitCode;
        try
        {
            exitCode = RunSession();
        }
        finally
        {
            Console.CancelKeyPress -= OnCancelKeyPress;
            _ui.ResetProgress();
            _outputSerializer?.End();
            _errorSerializer?.End();
            Console.Out.Flush();
            Console.Error.Flush();
        }
        return exitCode;
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        // As ConsoleHost's break handler: Ctrl+C stops the running pipeline, never the host.
        e.Cancel = true;
        Executor.StopCurrent();
    }

    private int RunSession()
    {
        Trace.Mark("host: creating InitialSessionState");
        // CreateDefault2 loads only Microsoft.PowerShell.Core, which is all the engine package carries.
        var iss = InitialSessionState.CreateDefault2();
        Trace.Mark("host: opening runspace");
        _runspace = RunspaceFactory.CreateRunspace(this, iss);
        _runspace.Open();
        Trace.Mark("host: runspace open");

        var exec = new Executor(this);
        InitializeSession(exec);

        if (Options.NoExit && !ShouldEndSession)
        {
            new Repl(this, exec).Run();
        }
        ShouldEndSession = true;

        int exitCode;
        if (_setShouldExitCalled)
        {
            exitCode = _exitCodeFromRunspace;
        }
        else
        {
            // No explicit exit: 0 when the last pipeline succeeded ($global:?) and the initial
            // command/file did not fail, else 1 (as DoRunspaceLoop).
            bool dollarHook = exec.ExecuteAndGetResultAsBool("$global:?") ?? false;
            exitCode = dollarHook && _lastInitializationException == null ? 0 : 1;
        }
        Trace.Mark("host: closing runspace");
        try { _runspace.Close(); } catch (Exception) { }
        return exitCode;
    }

    /// <summary>Working directory, $PROFILE and profiles, then -File or -Command (DoCreateRunspace).</summary>
    private void InitializeSession(Executor exec)
    {
        if (!string.IsNullOrEmpty(Options.WorkingDirectory))
        {
            var p = exec.CreatePipeline();
            var c = new Command("Set-Location");
            c.Parameters.Add("LiteralPath", Options.WorkingDirectory);
            p.Commands.Add(c);
            exec.Run(p, out Exception? e, Executor.Options.AddOutputter);
            if (e != null) { _lastInitializationException = e; ReportException(e, exec); }
        }

        SetProfileVariable(out string[] profiles);
        if (!Options.NoProfile)
        {
            foreach (string profile in profiles)
            {
                if (!File.Exists(profile)) continue;
                var p = exec.CreatePipeline(". '" + profile.Replace("'", "''") + "'", false);
                exec.Run(p, out Exception? e, Executor.Options.AddOutputter);
                if (e != null) ReportException(e, exec);
            }
        }
        Trace.Mark("host: profiles done");

        if (Options.File != null)
        {
            RunFile(exec, Options.File);
        }
        else if (!string.IsNullOrEmpty(Options.Command))
        {
            var p = exec.CreatePipeline(Options.Command, true);
            foreach (var arg in Options.Args) p.Commands[0].Parameters.Add(arg);
            var opts = Executor.Options.AddOutputter;
            if (IsRunningAsync)
            {
                var ast = Parser.ParseInput(Options.Command, out _, out _);
                if (Executor.UsesDollarInput(ast)) { opts |= Executor.Options.ReadInputObjects; _ui.ReadFromStdin = false; }
            }
            exec.Run(p, out Exception? e, opts);
            Trace.Mark("host: initial command done");
            if (e != null) { _lastInitializationException = e; ReportException(e, exec); }
        }
    }

    private void RunFile(Executor exec, string path)
    {
        var p = exec.CreatePipeline();
        // As pwsh on Unix: a file without .ps1 is read and run as a script block (shebang scripts).
        Command c = path.EndsWith(".ps1", StringComparison.OrdinalIgnoreCase)
            ? new Command(path, false, false)
            : new Command(File.ReadAllText(path), true, false);
        foreach (var arg in Options.Args) c.Parameters.Add(arg);
        p.Commands.Add(c);

        // pwsh sets ExecutionContext.ScriptCommandProcessorShouldRethrowExit so that `exit N` in the
        // script ends the host with N instead of only setting $LASTEXITCODE.
        if (!Options.NoExit) EngineInternals.SetRethrowExit(Runspace, true);

        var opts = Executor.Options.AddOutputter;
        if (IsRunningAsync)
        {
            var ast = Parser.ParseFile(path, out _, out _);
            if (Executor.UsesDollarInput(ast)) { opts |= Executor.Options.ReadInputObjects; _ui.ReadFromStdin = false; }
        }
        exec.Run(p, out Exception? e, opts);
        Trace.Mark("host: file done");
        if (e != null)
        {
            if (!Options.NoExit)
            {
                lock (_hostLock)
                {
                    _setShouldExitCalled = true;
                    _exitCodeFromRunspace = 1;
                    _shouldEndSession = true;
                }
            }
            ReportException(e, exec);
        }
    }

    private void SetProfileVariable(out string[] profiles)
    {
        const string shellId = "Microsoft.PowerShell";
        string allUsers = EngineInternals.ProfilePath(null, false);
        string allUsersHost = EngineInternals.ProfilePath(shellId, false);
        string currentUser = EngineInternals.ProfilePath(null, true);
        string currentUserHost = EngineInternals.ProfilePath(shellId, true);
        var profile = new PSObject(currentUserHost);
        profile.Properties.Add(new PSNoteProperty("AllUsersAllHosts", allUsers));
        profile.Properties.Add(new PSNoteProperty("AllUsersCurrentHost", allUsersHost));
        profile.Properties.Add(new PSNoteProperty("CurrentUserAllHosts", currentUser));
        profile.Properties.Add(new PSNoteProperty("CurrentUserCurrentHost", currentUserHost));
        Runspace.SessionStateProxy.SetVariable("PROFILE", profile);
        profiles = new[] { allUsers, allUsersHost, currentUser, currentUserHost };
    }

    /// <summary>
    /// Shows an exception that ended a pipeline: the error record goes through Out-Default marked as
    /// an error-stream object, so it is formatted by $ErrorView like any error (ConsoleHost.ReportException).
    /// </summary>
    public void ReportException(Exception e, Executor exec)
    {
        if (Trace.Enabled) Console.Error.WriteLine($"[pwsh-trace] reporting {e.GetType().FullName}: {e.Message}");
        object error = e is IContainsErrorRecord icer
            ? icer.ErrorRecord
            : new ErrorRecord(e, "ConsoleHost.ReportException", ErrorCategory.NotSpecified, null);
        var wrapped = new PSObject(error);
        EngineInternals.MarkAsErrorStream(wrapped);

        var p = exec.CreatePipeline();
        p.Input.Write(wrapped);
        exec.Run(p, out Exception? e1, Executor.Options.AddOutputter);
        if (e1 != null)
        {
            if (Trace.Enabled) Console.Error.WriteLine($"[pwsh-trace] reporting {e.GetType().Name} failed: {e1}");
            // Last resort, as pwsh's ReportExceptionFallback.
            Console.Error.WriteLine(e is TargetInvocationException && e.InnerException != null ? e.InnerException.Message : e.Message);
        }
    }
}
