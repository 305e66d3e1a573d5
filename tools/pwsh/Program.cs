using System;
using System.Text;

namespace SessionTools.Pwsh;

/// <summary>Entry point: parse the command line like pwsh, then run the host.</summary>
internal static class Program
{
    // pwsh's ExitCodeBadCommandLineParameter (EX_USAGE).
    private const int ExitCodeBadCommandLineParameter = 64;
    // pwsh's ExitCodeInitFailure (EX_SOFTWARE).
    private const int ExitCodeInitFailure = 70;

    private static int Main(string[] args)
    {
        Trace.Mark("Main entered (dotnet host started, runtime up)");
        Console.OutputEncoding = new UTF8Encoding(false);
        CommandLine cl = CommandLine.Parse(args);

        if (cl.ShowVersion)
        {
            Console.Out.WriteLine($"PowerShell {PwshHost.EngineVersion}");
            return 0;
        }
        if (cl.Error != null)
        {
            Console.Error.WriteLine(cl.Error);
            Console.Error.WriteLine();
            Console.Error.WriteLine(CommandLine.HelpText);
            return ExitCodeBadCommandLineParameter;
        }
        if (cl.ShowHelp)
        {
            Console.Out.WriteLine(CommandLine.HelpText);
            return 0;
        }

        try
        {
            int code = new PwshHost(cl).Run();
            Trace.Mark($"exiting with {code}");
            return code;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"The shell cannot be started. A failure occurred during initialization:{Environment.NewLine}{e.Message}");
            if (Trace.Enabled) Console.Error.WriteLine(e);
            return ExitCodeInitFailure;
        }
    }
}
