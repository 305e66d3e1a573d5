using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Text;

namespace SessionTools.Rpc
{
    /// <summary>
    /// One invocation of a generated function, driven by its row of the command table
    /// (Generated/Protocol.g.cs): begin makes it, process hands it $PSBoundParameters, end sends ONE
    /// request. A query collects what its pipeline parameters receive (N piped computers are asked in
    /// one call, in parallel, by the helper). An action collects its targets cheaply (thousands may be
    /// piped), then in end asks ShouldProcess per target (Confirmation.cs) and sends every accepted one
    /// in one batch.
    /// </summary>
    public sealed class CommandCall
    {
        private readonly HelperClient _client;
        private readonly PSCmdlet _cmdlet;
        private readonly CommandInfo _command;
        private IDictionary _bound;
        private readonly Dictionary<string, List<object>> _piped = new Dictionary<string, List<object>>();
        private readonly List<Target> _targets = new List<Target>();
        /// <summary>Targets given by -Id and found by LookUpIds: their errors still name the id, as given.</summary>
        private readonly HashSet<Target> _fromId = new HashSet<Target>();

        internal CommandCall(HelperClient client, PSCmdlet cmdlet, CommandInfo command, IDictionary bound)
        {
            _client = client;
            _cmdlet = cmdlet;
            _command = command;
            _bound = bound;
        }

        /// <summary>The process block: what this input object ($_, when piped) bound.</summary>
        public void Process(IDictionary bound, object input)
        {
            _bound = bound;
            if (_command.TargetsField != null)
            {
                if (_cmdlet.MyInvocation.ExpectingInput && input != null && !IsSession(input))
                {
                    string type = PSObject.AsPSObject(input).TypeNames.Count > 0 ? PSObject.AsPSObject(input).TypeNames[0] : input.GetType().FullName;
                    _cmdlet.WriteError(Errors.Record("NotASession",
                        _command.Name + " acts only on sessions from the pipeline: SessionTools.UserSession (as Get-UserSession writes it, also deserialized) or an object with a SessionId property of its own, such as a row of a CSV of sessions. The input is a " + type + ", which is none (its Id is no session id); nothing was done for it.",
                        input));
                    return;
                }
                CollectTargets();
                return;
            }
            foreach (ParameterInfo p in _command.Parameters)
            {
                if (!p.Pipeline || p.Role != Role.Field || !bound.Contains(p.Name)) continue;
                List<object> values;
                if (!_piped.TryGetValue(p.Name, out values)) _piped[p.Name] = values = new List<object>();
                Append(values, bound[p.Name]);
            }
        }

        /// <summary>
        /// A piped object an action may take as a session: a UserSession, a deserialized one, or an
        /// object made of properties (Import-Csv, ConvertFrom-Json, [pscustomobject]) that has a
        /// SessionId. Any other .NET object is refused, even with a SessionId: a Process has one
        /// (the session it runs in), but piping processes does not name sessions to end.
        /// </summary>
        private static bool IsSession(object input)
        {
            PSObject o = PSObject.AsPSObject(input);
            if (o.BaseObject is UserSession) return true;
            foreach (string t in o.TypeNames) if (t == "Deserialized.SessionTools.UserSession") return true;
            return o.BaseObject is PSCustomObject && o.Properties["SessionId"] != null;
        }

        private static void Append(List<object> values, object value)
        {
            var list = value as IEnumerable;
            if (list == null || value is string) { if (value != null) values.Add(value); return; }
            foreach (object item in list) if (item != null) values.Add(item);
        }

        private void CollectTargets()
        {
            ParameterInfo input = _command.WithRole(Role.InputObject);
            ParameterInfo ids = _command.WithRole(Role.TargetId);
            ParameterInfo computer = _command.WithRole(Role.TargetComputer);
            if (input != null && _bound.Contains(input.Name))
            {
                var sessions = _bound[input.Name] as IEnumerable;
                if (sessions == null) return;
                foreach (object o in sessions)
                {
                    var s = (o is PSObject ? ((PSObject)o).BaseObject : o) as UserSession;
                    if (s != null) _targets.Add(Target.Of(s));
                }
                return;
            }
            if (ids == null || !_bound.Contains(ids.Name)) return;
            string on = computer != null && _bound.Contains(computer.Name) ? _bound[computer.Name] as string : null;
            var list = _bound[ids.Name] as IEnumerable;
            if (list == null) return;
            foreach (object id in list) _targets.Add(Target.ById(Convert.ToInt32(id is PSObject ? ((PSObject)id).BaseObject : id), on));
        }

        /// <summary>The fields to send: wire name to value, as bound (pipeline parameters: every value collected).</summary>
        private Dictionary<string, object> Fields()
        {
            var values = new Dictionary<string, object>();
            foreach (ParameterInfo p in _command.Parameters)
            {
                if (p.Role != Role.Field) continue;
                List<object> piped;
                if (p.Pipeline) { if (_piped.TryGetValue(p.Name, out piped) && piped.Count > 0) values[p.Name] = piped; }
                else if (_bound.Contains(p.Name)) values[p.Name] = _bound[p.Name];
            }
            // A query's targets are fields like any other; an action writes the approved ones itself.
            if (_command.TargetsField != null && _command.Method.Kind != MethodKind.Action) values[_command.TargetsField] = _targets;
            return values;
        }

        private static JsonWriter WriteFields(JsonWriter w, Dictionary<string, object> values)
        {
            foreach (KeyValuePair<string, object> v in values) w.Name(v.Key).Value(v.Value);
            return w;
        }

        /// <summary>The end block: the one request, and its objects and errors written.</summary>
        public void End()
        {
            if (_command.Method.Kind == MethodKind.Action) { EndAction(); return; }
            // A query about sessions (Get-UserSessionProcess) asks nothing when no session came.
            if (_command.TargetsField != null && _targets.Count == 0) return;
            var errors = new List<TargetError>();
            // Each object is written as soon as it is read from the answer (a stream, not a list first).
            Query(_command.Method, Fields(), _cmdlet.WriteObject, errors);
            foreach (TargetError e in errors) _cmdlet.WriteError(Errors.Record(e.ErrorId, e.Message, e.Target));
        }

        /// <summary>One query request: each of its Items to `item` as it is read, its Errors, in the order the helper gave them.</summary>
        private void Query(MethodInfo method, Dictionary<string, object> values, Action<object> item, List<TargetError> errors)
        {
            var w = new JsonWriter(new StringBuilder(256)).BeginObject();
            string json = WriteFields(w, values).EndObject().Builder.ToString();
            JsonReader r = _client.Call(_cmdlet, method, json, method.TimeoutMs(values));
            _client.Decode(_cmdlet, method, r, () =>
            {
                r.BeginObject();
                string name;
                while (r.NextMember(out name))
                {
                    if (name == "Items") { r.BeginArray(); while (r.NextItem()) item(method.ReadItem(r)); }
                    else if (name == "Errors") { r.BeginArray(); while (r.NextItem()) errors.Add(TargetError.ReadJson(r)); }
                    else r.Skip();
                }
            });
        }

        /// <summary>
        /// The sessions behind the targets given by -Id, looked up (one sessions.list per computer,
        /// system sessions included) before anything is asked, so that each prompt and -WhatIf names
        /// user and terminal as for a piped session, and -PassThru has the session to write. An id
        /// that names no session is that target's error (the listing's SessionNotFound), with no
        /// prompt, and nothing is sent for it. A computer that cannot be listed leaves its targets
        /// as they were given, for the action to report. Only when there is something to name or to
        /// write: without a prompt, a -WhatIf line or -PassThru, the action alone reports a missing
        /// id, and no computer is asked more than the action asks it.
        /// </summary>
        private List<Target> LookUpIds(List<Target> targets)
        {
            if (!Confirmation.WillShow(_cmdlet, _command.Impact) && !PassThru()) return targets;
            var byComputer = new Dictionary<string, List<Target>>(StringComparer.OrdinalIgnoreCase);
            foreach (Target t in targets)
            {
                if (t.Session != null) continue;
                List<Target> group;
                string key = t.ComputerName ?? string.Empty;
                if (!byComputer.TryGetValue(key, out group)) byComputer[key] = group = new List<Target>();
                group.Add(t);
            }
            if (byComputer.Count == 0) return targets;
            var found = new Dictionary<Target, Target>();
            foreach (KeyValuePair<string, List<Target>> group in byComputer)
            {
                var values = new Dictionary<string, object>();
                var ids = new List<object>();
                foreach (Target t in group.Value) ids.Add(t.SessionId);
                values["Id"] = ids;
                values["IncludeSystem"] = true;
                if (group.Key.Length > 0) values["ComputerName"] = new List<object> { group.Key };
                var items = new List<object>();
                var errors = new List<TargetError>();
                Query(Protocol.ListSessions, values, items.Add, errors);
                foreach (Target t in group.Value)
                {
                    UserSession session = null;
                    foreach (object o in items) { var s = o as UserSession; if (s != null && s.SessionId == t.SessionId) { session = s; break; } }
                    if (session != null) { found[t] = Target.Of(session); _fromId.Add(found[t]); continue; }
                    TargetError why = null;
                    foreach (TargetError e in errors) if (IsAbout(e, t.SessionId)) { why = e; break; }
                    if (why != null) { _cmdlet.WriteError(Errors.Record(why.ErrorId, why.Message, t.SessionId)); continue; }
                    // The computer could not be asked (unreachable, not this one on Linux, no readable
                    // utmp): the action meets the same and reports it in its own words.
                    bool computerFailed = false;
                    foreach (TargetError e in errors) if (!(e.Target is int || e.Target is long)) computerFailed = true;
                    if (computerFailed) found[t] = t;
                    else _cmdlet.WriteError(Errors.Record("SessionNotFound", "No session with id " + t.SessionId + (group.Key.Length > 0 ? " on " + group.Key : string.Empty) + ".", t.SessionId));
                }
            }
            var resolved = new List<Target>(targets.Count);
            foreach (Target t in targets)
            {
                Target s;
                if (t.Session != null) resolved.Add(t);
                else if (found.TryGetValue(t, out s)) resolved.Add(s);
            }
            return resolved;
        }

        /// <summary>Whether -PassThru was given.</summary>
        private bool PassThru()
        {
            ParameterInfo passThru = _command.WithRole(Role.PassThru);
            return passThru != null && _bound.Contains(passThru.Name) && LanguagePrimitives.IsTrue(_bound[passThru.Name]);
        }

        private static bool IsAbout(TargetError e, int sessionId)
        {
            return (e.Target is int && (int)e.Target == sessionId) || (e.Target is long && (long)e.Target == sessionId);
        }

        /// <summary>
        /// The State a session has once the action has succeeded, whatever the helper could still
        /// see of it: a logged-off session is LoggedOff (no connection state of WTS names it; the
        /// session is ended, or with no -Wait is ending), a disconnected one Disconnected. Written
        /// by -PassThru; an action not named here writes the helper's session as it is.
        /// </summary>
        private static readonly Dictionary<string, string> StateAfter = new Dictionary<string, string>
        {
            { "sessions.logoff", "LoggedOff" },
            { "sessions.disconnect", "Disconnected" },
        };

        /// <summary>A copy of the session with another State (the piped object is the caller's, and stays as it was).</summary>
        private static UserSession WithState(UserSession s, string state)
        {
            var copy = new UserSession();
            foreach (System.Reflection.PropertyInfo p in typeof(UserSession).GetProperties())
                if (p.CanRead && p.CanWrite) p.SetValue(copy, p.GetValue(s, null), null);
            copy.State = state;
            return copy;
        }

        private void EndAction()
        {
            if (_targets.Count == 0) return;
            MethodInfo method = _command.Method;
            List<Target> known = LookUpIds(_targets);
            if (known.Count == 0) return;
            List<Target> accepted = Confirmation.Approve(_cmdlet, _command, known);
            if (accepted.Count == 0) return;
            HashSet<Target> warned = Notice.Before(_client, _cmdlet, _command, accepted, _bound);
            Dictionary<string, object> values = Fields();
            var w = new JsonWriter(new StringBuilder(64 + 48 * accepted.Count)).BeginObject();
            w.Name(_command.TargetsField).BeginArray();
            foreach (Target t in accepted) t.Write(w);
            w.EndArray();
            string json = WriteFields(w, values).EndObject().Builder.ToString();
            JsonReader r = _client.Call(_cmdlet, method, json, method.TimeoutMs(values));
            var outcomes = new List<KeyValuePair<object, TargetError>>(accepted.Count);
            _client.Decode(_cmdlet, method, r, () =>
            {
                r.BeginObject();
                string name;
                while (r.NextMember(out name))
                {
                    if (name != "Outcomes") { r.Skip(); continue; }
                    r.BeginArray();
                    while (r.NextItem()) outcomes.Add(ReadOutcome(r, method));
                }
                if (outcomes.Count != accepted.Count) throw new FormatException(outcomes.Count + " outcomes for " + accepted.Count + " targets.");
            });
            // An action without -PassThru (Send-UserSessionMessage) writes what each target answered, always.
            bool pass = _command.WithRole(Role.PassThru) == null || PassThru();
            for (int i = 0; i < accepted.Count; i++)
            {
                Target t = accepted[i];
                TargetError error = outcomes[i].Value;
                if (Notice.EndedDuringWait(warned, t, error)) { _cmdlet.WriteWarning("Session " + t.SessionId + " ended on its own during the grace period."); continue; }
                if (error != null) { _cmdlet.WriteError(Errors.Record(error.ErrorId, error.Message, _fromId.Contains(t) ? t.SessionId : (object)t.Session ?? t.SessionId)); continue; }
                if (!pass) continue;
                object after = outcomes[i].Key ?? t.Session;
                string state;
                var session = after as UserSession;
                if (session != null && StateAfter.TryGetValue(method.Name, out state)) after = WithState(session, state);
                if (after != null) _cmdlet.WriteObject(after);
            }
        }

        private static KeyValuePair<object, TargetError> ReadOutcome(JsonReader r, MethodInfo method)
        {
            object item = null;
            TargetError error = null;
            r.BeginObject();
            string name;
            while (r.NextMember(out name))
            {
                if (name == "Item") { if (!r.TryReadNull()) item = method.ReadItem(r); }
                else if (name == "Error") { if (!r.TryReadNull()) error = TargetError.ReadJson(r); }
                else r.Skip();
            }
            return new KeyValuePair<object, TargetError>(item, error);
        }
    }
}
