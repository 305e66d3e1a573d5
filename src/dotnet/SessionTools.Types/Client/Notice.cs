using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Text;
using System.Threading;

namespace SessionTools.Rpc
{
    /// <summary>
    /// Stop-UserSession -Notify/-GracePeriod (src/catalog/schema.ts, roles notify and gracePeriod):
    /// after confirmation and before the action, the accepted targets' users get the text (the
    /// method sessions.message, without waiting for answers), then this client waits. The wait is
    /// here and not in the helper: no request is open meanwhile (so no per-request timeout has to
    /// allow it), and Ctrl+C ends the wait before the action is ever sent, so no one is logged off;
    /// a helper, which finishes what it was asked, could not be stopped that way.
    /// </summary>
    internal static class Notice
    {
        /// <summary>The wait when -Notify is given without -GracePeriod.</summary>
        private static readonly TimeSpan DefaultGrace = TimeSpan.FromMinutes(1);

        /// <summary>
        /// Warns and waits when the command has -Notify or -GracePeriod and either was given; returns
        /// the targets whose users saw the text (null when there was no notice). A target that
        /// could not be warned is written as a warning and still acted on after the wait.
        /// </summary>
        internal static HashSet<Target> Before(HelperClient client, PSCmdlet cmdlet, CommandInfo command, List<Target> accepted, IDictionary bound)
        {
            ParameterInfo notify = command.WithRole(Role.Notify);
            ParameterInfo grace = command.WithRole(Role.GracePeriod);
            bool hasText = notify != null && bound.Contains(notify.Name);
            bool hasGrace = grace != null && bound.Contains(grace.Name);
            if (!hasText && !hasGrace) return null;
            var warned = new HashSet<Target>();
            if (hasText) Warn(client, cmdlet, accepted, (string)Unwrap(bound[notify.Name]), warned);
            TimeSpan wait = hasGrace ? ((Duration)Unwrap(bound[grace.Name])).ToTimeSpan() : DefaultGrace;
            Wait(cmdlet, wait, accepted.Count);
            return warned;
        }

        private static object Unwrap(object value)
        {
            var ps = value as PSObject;
            return ps != null ? ps.BaseObject : value;
        }

        private static void Warn(HelperClient client, PSCmdlet cmdlet, List<Target> accepted, string text, HashSet<Target> warned)
        {
            MethodInfo send = Protocol.SendMessage;
            var values = new Dictionary<string, object> { { "Text", text } };
            var w = new JsonWriter(new StringBuilder(64 + 48 * accepted.Count)).BeginObject();
            w.Name("Targets").BeginArray();
            foreach (Target t in accepted) t.Write(w);
            w.EndArray();
            w.Name("Text").Value(text);
            JsonReader r = client.Call(cmdlet, send, w.EndObject().Builder.ToString(), send.TimeoutMs(values));
            var errors = new List<TargetError>();
            r.BeginObject();
            string name;
            while (r.NextMember(out name))
            {
                if (name != "Outcomes") { r.Skip(); continue; }
                r.BeginArray();
                while (r.NextItem())
                {
                    TargetError error = null;
                    r.BeginObject();
                    string member;
                    while (r.NextMember(out member))
                    {
                        if (member != "Error") r.Skip();
                        else if (!r.TryReadNull()) error = TargetError.ReadJson(r);
                    }
                    errors.Add(error);
                }
            }
            if (errors.Count != accepted.Count) throw new FormatException(errors.Count + " outcomes for " + accepted.Count + " targets.");
            for (int i = 0; i < accepted.Count; i++)
            {
                if (errors[i] == null) { warned.Add(accepted[i]); continue; }
                cmdlet.WriteWarning("Session " + accepted[i].SessionId + " was not warned: " + errors[i].Message);
            }
        }

        /// <summary>Sleeps in short steps, so that Ctrl+C (the pipeline stopping) ends the wait at once.</summary>
        private static void Wait(PSCmdlet cmdlet, TimeSpan wait, int count)
        {
            cmdlet.WriteVerbose("Waiting " + new Duration(wait) + " before acting on " + count + " session(s).");
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < wait)
            {
                if (cmdlet.Stopping) throw new PipelineStoppedException();
                long left = (long)(wait - clock.Elapsed).TotalMilliseconds;
                Thread.Sleep((int)Math.Max(1, Math.Min(100, left)));
            }
            if (cmdlet.Stopping) throw new PipelineStoppedException();
        }

        /// <summary>A warned session that is gone at the action ended on its own during the wait.</summary>
        internal static bool EndedDuringWait(HashSet<Target> warned, Target t, TargetError error)
        {
            return warned != null && error != null && error.ErrorId == "SessionNotFound" && warned.Contains(t);
        }
    }
}
