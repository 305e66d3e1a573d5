using System;
using System.Diagnostics;
using System.Management.Automation;

namespace SessionTools.Rpc
{
    /// <summary>
    /// Write-Progress for one call, from the helper's progress notifications (src/helper/progress.ts:
    /// sent while a request runs longer than a second; Total computers or targets, Completed so far
    /// or null). Shown only where a host can show it: never when PowerShell was started with
    /// -NonInteractive (an unattended script: Intune, GPO, a scheduled task, CI), whatever the host
    /// would make of the records (Windows PowerShell 5.1 writes them as CLIXML to a redirected
    /// stream); elsewhere the host decides as for any Write-Progress ($ProgressPreference, PowerShell
    /// 7 draws nothing when its output is redirected). docs/powershell.md, section 2.
    /// </summary>
    internal sealed class CallProgress
    {
        /// <summary>One activity id for the module's progress bar.</summary>
        private const int ActivityId = 0x5E55;
        private static readonly bool NonInteractive = StartedNonInteractive(Environment.GetCommandLineArgs());

        private readonly PSCmdlet _cmdlet;
        private readonly Stopwatch _clock;
        private bool _shown;

        public CallProgress(PSCmdlet cmdlet, Stopwatch clock)
        {
            _cmdlet = cmdlet;
            _clock = clock;
        }

        /// <summary>
        /// Whether PowerShell's command line makes it non-interactive, read as its parser reads it
        /// (docs/powershell.md, section 2): a switch after -, -- or /, any prefix of NonInteractive
        /// from "noni" on, undone by a later -Interactive (any prefix); values of other switches are
        /// passed over, and -Command, -File and -EncodedCommand end the scan (what follows is the
        /// script's).
        /// </summary>
        internal static bool StartedNonInteractive(string[] args)
        {
            bool nonInteractive = false;
            for (int i = 1; i < args.Length; i++)
            {
                string a = args[i].Trim();
                if (a.Length < 2 || (a[0] != '-' && a[0] != '/')) continue;
                string key = a.Substring(1);
                if (a[0] == '-' && key[0] == '-') key = key.Substring(1);
                key = key.ToLowerInvariant();
                if (IsPrefix(key, "noninteractive", 4)) nonInteractive = true;
                else if (IsPrefix(key, "interactive", 1)) nonInteractive = false;
                else if (IsPrefix(key, "command", 1) || IsPrefix(key, "file", 1) || IsPrefix(key, "encodedcommand", 1) || key == "ec") break;
            }
            return nonInteractive;
        }

        private static bool IsPrefix(string key, string word, int least)
        {
            return key.Length >= least && word.StartsWith(key, StringComparison.Ordinal);
        }

        private bool CanShow { get { return !NonInteractive && _cmdlet.Host != null && _cmdlet.Host.UI != null; } }

        /// <summary>One notification: `completed` of `total` (either may be unknown).</summary>
        public void Report(long? completed, long? total)
        {
            if (!CanShow) return;
            string what = _cmdlet.MyInvocation.MyCommand.Name;
            long seconds = _clock.ElapsedMilliseconds / 1000;
            var record = new ProgressRecord(ActivityId, what, Status(completed, total, seconds));
            if (completed.HasValue && total.HasValue && total.Value > 0)
                record.PercentComplete = (int)Math.Min(100, completed.Value * 100 / total.Value);
            _cmdlet.WriteProgress(record);
            _shown = true;
        }

        private static string Status(long? completed, long? total, long seconds)
        {
            if (completed.HasValue && total.HasValue) return completed.Value + " of " + total.Value + " computers answered (" + seconds + " s)";
            if (total.HasValue) return total.Value + " sessions, waiting for them (" + seconds + " s)";
            return "Waiting for the answer (" + seconds + " s)";
        }

        /// <summary>After the answer: the bar, if one was shown, is taken down.</summary>
        public void Done()
        {
            if (!_shown) return;
            _shown = false;
            var record = new ProgressRecord(ActivityId, _cmdlet.MyInvocation.MyCommand.Name, "Done") { RecordType = ProgressRecordType.Completed };
            _cmdlet.WriteProgress(record);
        }
    }
}
