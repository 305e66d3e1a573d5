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
            MethodInfo method = _command.Method;
            Dictionary<string, object> values = Fields();
            var w = new JsonWriter(new StringBuilder(256)).BeginObject();
            string json = WriteFields(w, values).EndObject().Builder.ToString();
            JsonReader r = _client.Call(_cmdlet, method, json, method.TimeoutMs(values));
            var items = new List<object>();
            var errors = new List<TargetError>();
            _client.Decode(_cmdlet, method, () =>
            {
                r.BeginObject();
                string name;
                while (r.NextMember(out name))
                {
                    if (name == "Items") { r.BeginArray(); while (r.NextItem()) items.Add(method.ReadItem(r)); }
                    else if (name == "Errors") { r.BeginArray(); while (r.NextItem()) errors.Add(TargetError.ReadJson(r)); }
                    else r.Skip();
                }
                return true;
            });
            foreach (object item in items) _cmdlet.WriteObject(item);
            foreach (TargetError e in errors) _cmdlet.WriteError(Errors.Record(e.ErrorId, e.Message, e.Target));
        }

        private void EndAction()
        {
            if (_targets.Count == 0) return;
            MethodInfo method = _command.Method;
            List<Target> accepted = Confirmation.Approve(_cmdlet, _command, _targets);
            if (accepted.Count == 0) return;
            Dictionary<string, object> values = Fields();
            var w = new JsonWriter(new StringBuilder(64 + 48 * accepted.Count)).BeginObject();
            w.Name(_command.TargetsField).BeginArray();
            foreach (Target t in accepted) t.Write(w);
            w.EndArray();
            string json = WriteFields(w, values).EndObject().Builder.ToString();
            JsonReader r = _client.Call(_cmdlet, method, json, method.TimeoutMs(values));
            var outcomes = new List<KeyValuePair<object, TargetError>>(accepted.Count);
            _client.Decode(_cmdlet, method, () =>
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
                return true;
            });
            ParameterInfo passThru = _command.WithRole(Role.PassThru);
            // An action without -PassThru (Send-UserSessionMessage) writes what each target answered, always.
            bool pass = passThru == null || (_bound.Contains(passThru.Name) && LanguagePrimitives.IsTrue(_bound[passThru.Name]));
            for (int i = 0; i < accepted.Count; i++)
            {
                Target t = accepted[i];
                TargetError error = outcomes[i].Value;
                if (error != null) { _cmdlet.WriteError(Errors.Record(error.ErrorId, error.Message, (object)t.Session ?? t.SessionId)); continue; }
                if (!pass) continue;
                object after = outcomes[i].Key ?? t.Session;
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
