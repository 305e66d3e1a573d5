using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation.Runspaces;

namespace SessionTools.Pwsh;

internal enum DataFormat { Text = 0, XML = 1, None = 2 }

/// <summary>
/// The pwsh command line, parsed with pwsh's rules (CommandLineParameterParser.cs): switches start with
/// '-', '--' or '/', are case-insensitive and may be shortened down to a fixed smallest prefix; the first
/// argument that is not a switch is the -File; everything after -Command's first argument is joined
/// with spaces into the command; everything after -File's path is passed to the script.
/// </summary>
internal sealed class CommandLine
{
    public bool ShowVersion, ShowHelp, NoProfile, NoLogo, NonInteractive, NoExit = true, ShowBanner = true;
    public bool ExplicitReadCommandsFromStdin, NoPrompt;
    public string? Command, File, ExecutionPolicy, WorkingDirectory, Error;
    public DataFormat OutputFormat = DataFormat.Text, InputFormat = DataFormat.Text;
    public bool OutputFormatSpecified;
    public readonly List<CommandParameter> Args = new();

    // Same as pwsh's MatchSwitch: the typed key must be a prefix of the full name and at least as long
    // as the smallest unambiguous prefix.
    private static bool Match(string key, string full, string smallest) =>
        key.Length >= smallest.Length && full.StartsWith(key, StringComparison.OrdinalIgnoreCase);

    private static bool IsDash(char c) => c == '-' || c == '\u2013' || c == '\u2014' || c == '\u2015';

    public static CommandLine Parse(string[] args)
    {
        var cl = new CommandLine();
        bool noexitSeen = false;
        for (int i = 0; i < args.Length; i++)
        {
            string key = args[i].Trim();
            if (key.Length == 0) continue;
            char first = key[0];
            if (!IsDash(first) && first != '/')
            {
                i--;
                cl.ParseFile(args, ref i, noexitSeen);
                break;
            }
            key = key.Substring(1);
            if (key.Length > 0 && IsDash(first) && key[0] == first) key = key.Substring(1);

            if (Match(key, "version", "v"))
            {
                cl.ShowVersion = true; cl.ShowBanner = false; cl.NonInteractive = true; cl.NoProfile = true; cl.NoExit = false;
                break;
            }
            if (Match(key, "help", "h") || Match(key, "?", "?")) { cl.ShowHelp = true; }
            else if (Match(key, "login", "l")) { }
            else if (Match(key, "noexit", "noe")) { cl.NoExit = true; noexitSeen = true; }
            else if (Match(key, "noprofile", "nop")) { cl.NoProfile = true; }
            else if (Match(key, "nologo", "nol")) { cl.NoLogo = true; cl.ShowBanner = false; }
            else if (Match(key, "noninteractive", "noni")) { cl.NonInteractive = true; }
            else if (Match(key, "noprofileloadtime", "noprofileloadtime")) { }
            else if (Match(key, "interactive", "i")) { cl.NonInteractive = false; }
            else if (Match(key, "command", "c")) { if (!cl.ParseCommand(args, ref i, noexitSeen)) break; }
            else if (Match(key, "file", "f")) { if (!cl.ParseFile(args, ref i, noexitSeen)) break; }
            else if (Match(key, "outputformat", "o") || Match(key, "of", "o"))
            {
                if (!cl.ParseFormat(args, ref i, out cl.OutputFormat)) break;
                cl.OutputFormatSpecified = true;
            }
            else if (Match(key, "inputformat", "inp") || Match(key, "if", "if"))
            {
                if (!cl.ParseFormat(args, ref i, out cl.InputFormat)) break;
            }
            else if (Match(key, "executionpolicy", "ex") || Match(key, "ep", "ep"))
            {
                // Accepted for compatibility; execution policy is not enforced on Unix (as in pwsh).
                if (++i >= args.Length) { cl.Error = "Cannot process the execution policy because of a missing policy name. A policy name must follow -ExecutionPolicy."; break; }
                cl.ExecutionPolicy = args[i];
            }
            else if (Match(key, "workingdirectory", "wo") || Match(key, "wd", "wd"))
            {
                if (++i >= args.Length) { cl.Error = "Cannot process the working directory because of a missing directory name. A directory name must follow -WorkingDirectory."; break; }
                cl.WorkingDirectory = args[i];
            }
            else if (Match(key, "encodedcommand", "e") || Match(key, "ec", "e"))
            {
                if (++i >= args.Length) { cl.Error = "Cannot process the command because of a missing parameter. A command must follow -Command."; break; }
                try { cl.Command = System.Text.Encoding.Unicode.GetString(Convert.FromBase64String(args[i])); }
                catch (FormatException) { cl.Error = "Cannot process the command because the value specified with -EncodedCommand is not properly encoded. The value must be Base64 encoded."; break; }
                if (!noexitSeen) cl.NoExit = false;
                cl.ShowBanner = false;
            }
            else
            {
                // As pwsh: the first parameter we do not recognize is taken as the file to run.
                i--;
                if (!cl.ParseFile(args, ref i, noexitSeen)) break;
            }
        }
        return cl;
    }

    private bool ParseCommand(string[] args, ref int i, bool noexitSeen)
    {
        if (Command != null) { Error = "Cannot process command because a command is already specified with -Command or -EncodedCommand."; return false; }
        if (++i >= args.Length) { Error = "Cannot process the command because of a missing parameter. A command must follow -Command."; return false; }
        if (args[i] == "-")
        {
            // "-Command -": read the commands from stdin, without prompts.
            ExplicitReadCommandsFromStdin = true;
            NoPrompt = true;
            if (++i != args.Length) { Error = "Too many parameters for command. '-Command -' cannot be followed by other parameters."; return false; }
            if (!Console.IsInputRedirected) { Error = "Cannot process command because '-Command -' requires standard input to be redirected."; return false; }
        }
        else
        {
            Command = string.Join(' ', args, i, args.Length - i);
            i = args.Length;
        }
        if (!noexitSeen && !ExplicitReadCommandsFromStdin) NoExit = false;
        ShowBanner = false;
        return true;
    }

    private bool ParseFile(string[] args, ref int i, bool noexitSeen)
    {
        if (++i >= args.Length) { Error = "Cannot process the command because of a missing parameter. A file path must follow -File."; return false; }
        if (!noexitSeen) ShowBanner = false;
        if (args[i] == "-")
        {
            ExplicitReadCommandsFromStdin = true;
            NoPrompt = false;
            return true;
        }
        if (!noexitSeen) NoExit = false;
        string path;
        try { path = Path.GetFullPath(args[i]); }
        catch (Exception e) { Error = $"Processing -File '{args[i]}' failed: {e.Message} Specify a valid path for the -File parameter."; return false; }
        if (!System.IO.File.Exists(path))
        {
            Error = $"The argument '{args[i]}' is not recognized as the name of a script file. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.";
            return false;
        }
        File = path;
        i++;
        CollectArgs(args, ref i);
        return true;
    }

    // pwsh's CollectPSArgs: "-Name value" stays two items (the parameter binder pairs them),
    // "-Name:value" binds directly (with true/false/$true/$false turned into booleans).
    private void CollectArgs(string[] args, ref int i)
    {
        static object BoolIfPossible(string a) =>
            a.Length > 0 && bool.TryParse(a.AsSpan(a[0] == '$' ? 1 : 0), out bool b) ? b : a;

        string? pending = null;
        for (; i < args.Length; i++)
        {
            string arg = args[i];
            if (pending != null) { Args.Add(new CommandParameter(pending, arg)); pending = null; }
            else if (arg.Length > 1 && IsDash(arg[0]))
            {
                int colon = arg.IndexOf(':');
                if (colon < 0) Args.Add(new CommandParameter(arg));
                else if (colon == arg.Length - 1) pending = arg.TrimEnd(':');
                else Args.Add(new CommandParameter(arg.Substring(0, colon), BoolIfPossible(arg.Substring(colon + 1))));
            }
            else Args.Add(new CommandParameter(null, arg));
        }
    }

    private bool ParseFormat(string[] args, ref int i, out DataFormat format)
    {
        format = DataFormat.Text;
        if (++i >= args.Length) { Error = "Cannot process the format because of a missing format name. Specify one of: Text, XML, None."; return false; }
        if (!Enum.TryParse(args[i], true, out format) || !Enum.IsDefined(format))
        {
            Error = $"The value '{args[i]}' is not a valid format. Specify one of: Text, XML, None.";
            return false;
        }
        return true;
    }

    public const string HelpText = """
Usage: pwsh[.exe] [-Login] [[-File] <filePath> [args]]
                  [-Command { - | <script-block> [-args <arg-array>]
                                | <string> [<CommandParameters>] } ]
                  [-ExecutionPolicy <ExecutionPolicy>] [-Help] [-InputFormat {Text | XML}]
                  [-Interactive] [-NoExit] [-NoLogo] [-NonInteractive] [-NoProfile]
                  [-OutputFormat {Text | XML}] [-Version] [-WorkingDirectory <directoryPath>]

       pwsh[.exe] -h | -Help | -? | /?

This is SessionTools' development host: the PowerShell 7.6.9 engine (System.Management.Automation)
behind a console host that follows pwsh's ConsoleHost. Only Microsoft.PowerShell.Core commands are
available (no Utility/Management/Security modules).

-File | -f               Runs the script file with the given arguments, then exits (unless -NoExit).
-Command | -c            Runs the command text (all remaining arguments joined with spaces);
                         "-Command -" reads the commands from standard input.
-NoExit | -noe           Does not exit after running the startup commands.
-NoProfile | -nop        Does not load the PowerShell profiles.
-NoLogo | -nol           Hides the banner at startup of interactive sessions.
-NonInteractive | -noni  Read-Host, prompts and confirmations fail instead of waiting for input.
-OutputFormat | -o | -of Text (default) or XML (serialized CLIXML, as pwsh writes it).
-ExecutionPolicy | -ex   Accepted and ignored (execution policy is not enforced on Unix).
-WorkingDirectory | -wd  Sets the initial working directory.
-Version | -v            Prints the version and exits.
-Help | -h | -?          Prints this text.
""";
}
