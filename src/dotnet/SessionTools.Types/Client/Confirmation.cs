using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Threading.Tasks;

namespace SessionTools.Rpc
{
    /// <summary>
    /// ShouldProcess for each target of an action, and the one ConfirmationRequired error when this
    /// PowerShell cannot ask (docs/powershell.md, sections 1 and 2).
    /// </summary>
    internal static class Confirmation
    {
        /// <summary>
        /// The targets ShouldProcess accepts, asked one by one in order. Where the host cannot ask
        /// (-NonInteractive; stdin redirected and at its end, as under cron, systemd or a scheduled
        /// script), that is one terminating ConfirmationRequired error that says how to run unattended,
        /// raised before any prompt is printed, and nothing is done to any target.
        /// </summary>
        public static List<Target> Approve(PSCmdlet cmdlet, CommandInfo command, List<Target> targets)
        {
            var accepted = new List<Target>(targets.Count);
            string cannotAsk = WillAsk(cmdlet, command.Impact) ? CannotAskReason(cmdlet) : null;
            foreach (Target t in targets)
            {
                string what = t.Describe();
                bool approved = false;
                if (cannotAsk == null)
                {
                    try
                    {
                        approved = cmdlet.ShouldProcess(what, command.Action);
                    }
                    catch (PSInvalidOperationException e) { cannotAsk = e.Message; }
                    catch (HostException e) { cannotAsk = e.Message; }
                    catch (Exception e) when (!(e is PipelineStoppedException))
                    {
                        // Stdin ended after an earlier answer: ConsoleHost then fails on the missing line.
                        cannotAsk = CannotAskReason(cmdlet);
                        if (cannotAsk == null) throw;
                    }
                }
                if (cannotAsk != null)
                {
                    throw Errors.Terminate(cmdlet, "ConfirmationRequired", what,
                        command.Name + " asks before it acts (" + command.Action + " " + what + "), and this PowerShell cannot ask: " + cannotAsk +
                        " Nothing was done. Pass -Force or -Confirm:$false to act without asking.");
                }
                if (approved) accepted.Add(t);
            }
            return accepted;
        }

        /// <summary>Whether ShouldProcess will say anything for this command now: a -WhatIf line, or a question.</summary>
        public static bool WillShow(PSCmdlet cmdlet, ConfirmImpact impact)
        {
            return LanguagePrimitives.IsTrue(Variables(cmdlet).GetValue("WhatIfPreference")) || WillAsk(cmdlet, impact);
        }

        private static PSVariableIntrinsics Variables(PSCmdlet cmdlet)
        {
            PSModuleInfo module = cmdlet.MyInvocation.MyCommand.Module;
            return (module != null ? module.SessionState : cmdlet.SessionState).PSVariable;
        }

        /// <summary>
        /// Whether ShouldProcess will ask for this command now, by PowerShell's documented rule: not
        /// with -WhatIf; otherwise when $ConfirmPreference is not None and the command's ConfirmImpact
        /// is at least $ConfirmPreference. -WhatIf, -Confirm, -Confirm:$false and -Force (the generated
        /// begin block) set these in the function's scope. They are read through the module's session
        /// state, whose current scope is the function's while it runs (PSCmdlet.GetVariableValue of
        /// a module's function reads the global scope instead: run here).
        /// </summary>
        private static bool WillAsk(PSCmdlet cmdlet, ConfirmImpact impact)
        {
            PSVariableIntrinsics variables = Variables(cmdlet);
            if (LanguagePrimitives.IsTrue(variables.GetValue("WhatIfPreference"))) return false;
            ConfirmImpact preference;
            if (!LanguagePrimitives.TryConvertTo(variables.GetValue("ConfirmPreference"), out preference)) preference = ConfirmImpact.High;
            if (preference == ConfirmImpact.None) return false;
            return impact >= preference;
        }

        /// <summary>
        /// Why this PowerShell cannot ask the user a question, or null when it may be able to.
        /// ConsoleHost reads the answer to a prompt from stdin whenever stdin is redirected; at the end
        /// of that input there is no answer, and PromptForChoice fails on the missing line. A redirected
        /// stdin that still has text answers, as ever. Peek reads ahead without taking anything, on a
        /// pool thread: an open pipe nobody has written to yet (ssh without a terminal, where a person
        /// may still answer) costs 200 ms and is left to ask, never a hang. Windows PowerShell 5.1's
        /// ConsoleHost is taken to read redirected stdin the same way; that cannot be checked here.
        /// </summary>
        private static string CannotAskReason(PSCmdlet cmdlet)
        {
            if (cmdlet.Host.Name != "ConsoleHost") return null;
            try
            {
                if (!Console.IsInputRedirected) return null;
                var peek = Task.Run(() => Console.In.Peek());
                if (!peek.Wait(200) || peek.Result != -1) return null;
            }
            catch (Exception)
            {
                return null;
            }
            // The host's own refusal when it has one (-NonInteractive: "Read and Prompt functionality
            // is not available"). At the end of input ReadLine reads nothing and prints nothing.
            try
            {
                cmdlet.Host.UI.ReadLine();
            }
            catch (PSInvalidOperationException e)
            {
                return e.Message;
            }
            catch (Exception)
            {
            }
            return "its input (stdin) is redirected and has ended, so no answer can be read.";
        }
    }
}
