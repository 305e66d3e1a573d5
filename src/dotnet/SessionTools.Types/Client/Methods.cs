using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;

namespace SessionTools.Rpc
{
    internal enum MethodKind { Handshake, Query, Action }

    /// <summary>
    /// One RPC method as the client needs it: generated from its declaration in
    /// src/protocol/methods.ts into Generated/Protocol.g.cs.
    /// </summary>
    internal sealed class MethodInfo
    {
        /// <summary>The most a wait may be, whatever is asked: about 24 days, the most a millisecond count in an int holds.</summary>
        internal const long MaxSeconds = int.MaxValue / 1000;

        public string Name;
        public MethodKind Kind;
        /// <summary>The timeout policy (src/protocol/method.ts, TimeoutPolicy).</summary>
        public int Seconds;
        public string WhenFlag;
        public int WhenFlagSeconds;
        public string RoundItems;
        public string RoundSize;
        public string RoundEach;
        public int RoundPlus;
        /// <summary>The declared defaults of its int fields.</summary>
        public Dictionary<string, int> Defaults = new Dictionary<string, int>();
        /// <summary>Reads one object of its output type (null for the handshake).</summary>
        public Func<JsonReader, object> ReadItem;

        /// <summary>
        /// How long to wait for the answer to params `values` (wire name to value, as bound):
        /// SESSIONTOOLS_RPC_TIMEOUT_SECONDS when it is a positive number, else the policy; at most
        /// MaxSeconds either way, so that no value overflows.
        /// </summary>
        public long TimeoutMs(IDictionary<string, object> values)
        {
            double fromEnv;
            string env = Environment.GetEnvironmentVariable("SESSIONTOOLS_RPC_TIMEOUT_SECONDS");
            double seconds = Seconds;
            if (env != null && double.TryParse(env, NumberStyles.Float, CultureInfo.InvariantCulture, out fromEnv) && fromEnv >= 1) seconds = Math.Floor(fromEnv);
            else
            {
                if (WhenFlag != null && LanguagePrimitives.IsTrue(Get(values, WhenFlag))) seconds = Math.Max(seconds, WhenFlagSeconds);
                if (RoundEach != null)
                {
                    // Without RoundItems: one round (every computer at once).
                    double rounds = RoundItems == null ? 1 : Math.Ceiling(Count(Get(values, RoundItems)) / Math.Max(1.0, Number(values, RoundSize)));
                    seconds = Math.Max(seconds, rounds * Number(values, RoundEach) + RoundPlus);
                }
            }
            return (long)Math.Min(seconds, MaxSeconds) * 1000;
        }

        private static object Get(IDictionary<string, object> values, string name)
        {
            object v;
            return values.TryGetValue(name, out v) ? v : null;
        }

        private double Number(IDictionary<string, object> values, string name)
        {
            object v = Get(values, name);
            if (v != null) return Convert.ToDouble(v, CultureInfo.InvariantCulture);
            int d;
            return Defaults.TryGetValue(name, out d) ? d : 0;
        }

        private static int Count(object v)
        {
            if (v == null) return 0;
            var c = v as ICollection;
            if (c != null) return c.Count;
            return v is string ? 1 : 0;
        }
    }

    /// <summary>What a cmdlet parameter that is no field of its method does (src/catalog/schema.ts, Role).</summary>
    internal enum Role { Field, InputObject, TargetId, TargetComputer, PassThru, Force, Notify, GracePeriod }

    internal sealed class ParameterInfo
    {
        public ParameterInfo(string name, Role role, bool pipeline) { Name = name; Role = role; Pipeline = pipeline; }
        /// <summary>The PowerShell name, which is also the wire name of a field (one casing).</summary>
        public string Name { get; private set; }
        public Role Role { get; private set; }
        /// <summary>Binds from the pipeline: its values are collected over every input object.</summary>
        public bool Pipeline { get; private set; }
    }

    /// <summary>One cmdlet: generated from src/catalog/ into Generated/Protocol.g.cs.</summary>
    internal sealed class CommandInfo
    {
        private readonly Dictionary<string, ParameterInfo> _byName = new Dictionary<string, ParameterInfo>(StringComparer.OrdinalIgnoreCase);

        public CommandInfo(string name, MethodInfo method, string targetsField, string action, ConfirmImpact impact, params ParameterInfo[] parameters)
        {
            Name = name;
            Method = method;
            TargetsField = targetsField;
            Action = action;
            Impact = impact;
            Parameters = parameters;
            foreach (ParameterInfo p in parameters) _byName[p.Name] = p;
        }

        public string Name { get; private set; }
        public MethodInfo Method { get; private set; }
        /// <summary>Actions: the field the accepted targets go in.</summary>
        public string TargetsField { get; private set; }
        /// <summary>Actions: the ShouldProcess action text.</summary>
        public string Action { get; private set; }
        public ConfirmImpact Impact { get; private set; }
        public ParameterInfo[] Parameters { get; private set; }

        public ParameterInfo Parameter(string name)
        {
            ParameterInfo p;
            return _byName.TryGetValue(name, out p) ? p : null;
        }

        public ParameterInfo WithRole(Role role)
        {
            foreach (ParameterInfo p in Parameters) if (p.Role == role) return p;
            return null;
        }
    }
}
