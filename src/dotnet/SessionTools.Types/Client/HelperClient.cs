using System;
using System.Collections;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Text;

namespace SessionTools.Rpc
{
    /// <summary>
    /// The module's way to the helper: one per import of the module (the generated SessionTools.psm1
    /// makes it and disposes of it on Remove-Module and when PowerShell exits). It starts the helper
    /// on first use, by absolute path, and checks it with the `initialize` handshake; reuses it; and
    /// replaces it after it died, sending a query again once but never an action (docs/powershell.md,
    /// section 5). Calls wait with a timeout and end at once when the pipeline is stopped (Ctrl+C),
    /// keeping the helper: its late answer is skipped by its id.
    /// </summary>
    public sealed class HelperClient : IDisposable
    {
        private static readonly List<HelperClient> Live = new List<HelperClient>();
        private readonly object _gate = new object();
        private HelperProcess _helper;
        /// <summary>Whether _helper answered the handshake (a call stopped during it leaves it unchecked).</summary>
        private bool _checked;
        private bool _disposed;

        public HelperClient(string moduleBase)
        {
            ModuleBase = moduleBase;
            lock (Live) Live.Add(this);
        }

        /// <summary>
        /// Diagnostics: the clients of this PowerShell process, one per imported copy of the module,
        /// oldest first (docs/powershell.md, section 5).
        /// </summary>
        public static HelperClient[] Instances { get { lock (Live) return Live.ToArray(); } }

        /// <summary>The folder of the module whose bin/ holds the helper.</summary>
        public string ModuleBase { get; private set; }

        /// <summary>Diagnostics: the process id of the helper, or null while none was started (or after it was stopped).</summary>
        public int? ProcessId { get { var h = _helper; return h == null ? (int?)null : h.Id; } }

        /// <summary>Diagnostics: the requests written to the current helper (the handshake included).</summary>
        public int RequestsSent { get { var h = _helper; return h == null ? 0 : h.RequestsSent; } }

        /// <summary>Diagnostics: whether the current helper has ended (true when there is none).</summary>
        public bool HasExited { get { var h = _helper; return h == null || h.HasExited; } }

        /// <summary>One invocation of a generated function: its begin block calls this.</summary>
        public CommandCall Begin(PSCmdlet cmdlet, string command, IDictionary boundParameters)
        {
            return new CommandCall(this, cmdlet, Protocol.Command(command), boundParameters);
        }

        /// <summary>Stops the helper: EOF on its stdin, then a kill after 2 s. Removing the module calls it.</summary>
        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                Drop(2000);
            }
            lock (Live) Live.Remove(this);
        }

        private void Drop(int graceMs)
        {
            var h = _helper;
            _helper = null;
            if (h != null) h.Stop(graceMs);
        }

        private Exception Fault(PSCmdlet cmdlet, string errorId, string method, string message)
        {
            Drop(0);
            return Errors.Terminate(cmdlet, errorId, method, message);
        }

        /// <summary>
        /// Sends one request and returns a reader at its result, for Decode (which reads the rest of
        /// the frame after the result). Trouble with the helper ends the
        /// command: HelperNotFound, HelperStartFailed, HelperTimeout, HelperExited, HelperProtocolError
        /// (the helper is stopped: its state is unknown), or InvalidArgument when it refused a value
        /// (the helper is kept). A helper found dead when the request is written cannot have read it:
        /// it is replaced once and the request sent to the new one; a query is also sent again once
        /// when the helper died before answering (reading twice is harmless, acting twice is not).
        /// </summary>
        internal JsonReader Call(PSCmdlet cmdlet, MethodInfo method, string paramsJson, long timeoutMs)
        {
            lock (_gate)
            {
                bool replaced = false;
                while (true)
                {
                    HelperProcess helper = Running(cmdlet);
                    JsonReader result;
                    switch (Exchange(cmdlet, helper, method, paramsJson, timeoutMs, out result))
                    {
                        case Sent.Answered:
                            return result;
                        case Sent.NotWritten:
                            if (!replaced) { replaced = true; Drop(0); continue; }
                            throw Ended(cmdlet, helper, method, "ended before '" + method.Name + "' could be sent", "Nothing was done.");
                        default:
                            if (method.Kind == MethodKind.Query && !replaced) { replaced = true; Drop(0); continue; }
                            throw Ended(cmdlet, helper, method, "ended during '" + method.Name + "'", "Nothing is known to have been done.");
                    }
                }
            }
        }

        /// <summary>
        /// Decodes the result `answer` is at (Call's reader) with `read`, then the rest of its frame;
        /// a malformed one is the helper's fault. `read` may write each object as it is built: the
        /// frame is read once, in order, and nothing is kept of it (a frame found malformed after
        /// some objects were written still ends the command with HelperProtocolError).
        /// </summary>
        internal void Decode(PSCmdlet cmdlet, MethodInfo method, JsonReader answer, Action read)
        {
            try
            {
                read();
                Envelope.Finish(answer);
            }
            catch (FormatException e)
            {
                lock (_gate) throw Fault(cmdlet, "HelperProtocolError", method.Name, "The SessionTools helper's answer to '" + method.Name + "' is not what the protocol says; it was stopped: " + e.Message);
            }
        }

        private Exception Ended(PSCmdlet cmdlet, HelperProcess helper, MethodInfo method, string what, string consequence)
        {
            int? code = helper.ExitCode(1000);
            string tail = helper.StderrTail;
            Drop(0);
            string message = "The SessionTools helper " + what + " (exit code " + code + "). " + consequence;
            return Errors.Terminate(cmdlet, "HelperExited", method.Name, tail.Length > 0 ? message + " " + tail : message);
        }

        /// <summary>The running helper: started and checked with the handshake on first use or after it died.</summary>
        private HelperProcess Running(PSCmdlet cmdlet)
        {
            if (_disposed) throw new ObjectDisposedException("HelperClient", "The SessionTools module was removed.");
            if (_helper != null && !_helper.HasExited) return _checked ? _helper : Handshake(cmdlet);
            Drop(0);
            // The helper for this OS and architecture, inside the module's folder (HelperLocation.cs).
            string expected;
            HelperLocation location = HelperLocation.Find(ModuleBase, out expected);
            if (location == null)
                throw Errors.Terminate(cmdlet, "HelperNotFound", ModuleBase, "The SessionTools helper is missing from '" + expected + "'.");
            string node = location.Node;
            string why, unprotected = location.Unprotected(out why);
            if (unprotected != null)
                throw Errors.Terminate(cmdlet, "HelperNotProtected", unprotected, "PowerShell runs elevated, and the SessionTools helper was not started: '" + unprotected + "' could be changed by an ordinary user (" + why + ").");
            try
            {
                location.MakeRuntimeExecutable();
                _helper = HelperProcess.Start(node, location.Entry);
                _checked = false;
            }
            catch (Exception e) when (e is Win32Exception || e is InvalidOperationException || e is IOException || e is UnauthorizedAccessException)
            {
                throw Errors.Terminate(cmdlet, "HelperStartFailed", node, "The SessionTools helper could not be started (" + node + "): " + e.Message);
            }
            return Handshake(cmdlet);
        }

        /// <summary>The handshake: the helper refuses another protocol version (HelperProtocolError).</summary>
        private HelperProcess Handshake(PSCmdlet cmdlet)
        {
            MethodInfo init = Protocol.Handshake;
            var values = new Dictionary<string, object>();
            JsonReader ignored;
            // Progress: the helper reports requests that run long (Progress.cs shows them where it can).
            string json = "{\"ProtocolVersion\":" + Protocol.Version + ",\"Progress\":true}";
            switch (Exchange(cmdlet, _helper, init, json, init.TimeoutMs(values), out ignored))
            {
                case Sent.Answered:
                    try { ignored.Skip(); Envelope.Finish(ignored); }
                    catch (FormatException e) { throw Fault(cmdlet, "HelperProtocolError", init.Name, "The SessionTools helper's answer to '" + init.Name + "' is not what the protocol says; it was stopped: " + e.Message); }
                    _checked = true;
                    return _helper;
                case Sent.NotWritten:
                    throw Ended(cmdlet, _helper, init, "ended before 'initialize' could be sent", "Nothing was done.");
                default:
                    throw Ended(cmdlet, _helper, init, "ended during 'initialize'", "Nothing was done.");
            }
        }

        private enum Sent { Answered, NotWritten, Ended }

        private Sent Exchange(PSCmdlet cmdlet, HelperProcess helper, MethodInfo method, string paramsJson, long timeoutMs, out JsonReader result)
        {
            result = null;
            int id = helper.NextId();
            var frame = new StringBuilder(paramsJson.Length + 80);
            frame.Append("{\"jsonrpc\":\"2.0\",\"id\":").Append(id).Append(",\"method\":\"").Append(method.Name).Append("\",\"params\":").Append(paramsJson).Append("}\n");
            if (!helper.TryWrite(HelperProcess.Utf8.GetBytes(frame.ToString()))) return Sent.NotWritten;
            var clock = Stopwatch.StartNew();
            var progress = new CallProgress(cmdlet, clock);
            while (true)
            {
                string line;
                switch (helper.WaitLine(clock, timeoutMs, () => cmdlet.Stopping, out line))
                {
                    case LineWait.Ended:
                        return Sent.Ended;
                    case LineWait.Stopped:
                        // Ctrl+C or Select-Object -First: no fault of the helper. It finishes what it was
                        // asked, and the next call skips that late answer by its id.
                        throw new PipelineStoppedException();
                    case LineWait.TimedOut:
                        throw Fault(cmdlet, "HelperTimeout", method.Name,
                            "The SessionTools helper did not answer '" + method.Name + "' within " + timeoutMs / 1000 + " s; it was stopped. Nothing is known to have been done.");
                }
                Envelope answer;
                var reader = new JsonReader(line);
                try
                {
                    answer = Envelope.Read(reader, id);
                }
                catch (FormatException)
                {
                    throw Fault(cmdlet, "HelperProtocolError", method.Name,
                        "The SessionTools helper wrote a line that is not JSON-RPC; it was stopped: " + line.Substring(0, Math.Min(200, line.Length)));
                }
                if (answer.Id != id)
                {
                    // Progress of this call (a notification); anything else is a late answer to an abandoned call.
                    if (answer.Method == "progress" && answer.ProgressFor == id) progress.Report(answer.Completed, answer.Total);
                    continue;
                }
                progress.Done();
                if (answer.HasError)
                {
                    // Invalid params: the helper read the request and refused a value the caller gave
                    // (it names it). The helper is fine and is kept.
                    if (answer.ErrorCode == -32602)
                        throw Errors.Terminate(cmdlet, "InvalidArgument", method.Name, "The SessionTools helper refused '" + method.Name + "': " + answer.ErrorMessage);
                    throw Fault(cmdlet, "HelperProtocolError", method.Name,
                        "The SessionTools helper refused '" + method.Name + "' (JSON-RPC error " + answer.ErrorCode + "): " + answer.ErrorMessage);
                }
                if (answer.ResultAt < 0)
                    throw Fault(cmdlet, "HelperProtocolError", method.Name, "The SessionTools helper answered '" + method.Name + "' with neither a result nor an error; it was stopped.");
                // Our id came first (as the helper writes it): the reader stands at the result, and
                // the frame is read on from there. Otherwise the result was passed over: read it again.
                result = answer.AtResult ? reader : new JsonReader(line, answer.ResultAt);
                return Sent.Answered;
            }
        }

        /// <summary>A JSON-RPC 2.0 response: its id, and where its result starts, or its error.</summary>
        private struct Envelope
        {
            /// <summary>-1 when the id is null or not a number (never one of ours).</summary>
            public long Id;
            public int ResultAt;
            /// <summary>The reader stopped at the result (the id before it was `expected`); Finish reads the rest.</summary>
            public bool AtResult;
            public bool HasError;
            public long ErrorCode;
            public string ErrorMessage;
            /// <summary>A notification's method (the helper's only one is "progress"), and its params.</summary>
            public string Method;
            public long ProgressFor;
            public long? Completed;
            public long? Total;

            /// <summary>
            /// Reads the frame's members in order. The result of the answer to `expected` (its id
            /// already read) is not passed over: the reader is left at it, so that the result is read
            /// once, as it is decoded. Any other frame is read to its end.
            /// </summary>
            public static Envelope Read(JsonReader r, long expected)
            {
                var e = new Envelope { Id = -1, ResultAt = -1, ProgressFor = -1 };
                r.BeginObject();
                string name;
                while (r.NextMember(out name))
                {
                    switch (name)
                    {
                        case "id":
                            if (r.TryReadNull()) break;
                            object id = r.ReadStringOrInteger();
                            if (id is long) e.Id = (long)id;
                            break;
                        case "result":
                            e.ResultAt = r.Position;
                            if (e.Id == expected && !e.HasError) { e.AtResult = true; return e; }
                            r.Skip();
                            break;
                        case "method":
                            e.Method = r.ReadString();
                            break;
                        case "params":
                            ReadProgress(r, ref e);
                            break;
                        case "error":
                            e.HasError = true;
                            r.BeginObject();
                            string member;
                            while (r.NextMember(out member))
                            {
                                if (member == "code") e.ErrorCode = r.ReadInt64();
                                else if (member == "message") e.ErrorMessage = r.ReadString();
                                else r.Skip();
                            }
                            break;
                        default:
                            r.Skip();
                            break;
                    }
                }
                r.End();
                return e;
            }

            /// <summary>A progress notification's params: Id (the request's), Completed and Total (each a count or null).</summary>
            private static void ReadProgress(JsonReader r, ref Envelope e)
            {
                r.BeginObject();
                string name;
                while (r.NextMember(out name))
                {
                    switch (name)
                    {
                        case "Id":
                            object id = r.TryReadNull() ? null : r.ReadStringOrInteger();
                            if (id is long) e.ProgressFor = (long)id;
                            break;
                        case "Completed":
                            e.Completed = r.TryReadNull() ? (long?)null : r.ReadInt64();
                            break;
                        case "Total":
                            e.Total = r.TryReadNull() ? (long?)null : r.ReadInt64();
                            break;
                        default:
                            r.Skip();
                            break;
                    }
                }
            }

            /// <summary>
            /// After the result was decoded from a reader Read left at it: the frame's other members,
            /// none of which may be an id, a result or an error again, and nothing after the frame.
            /// A reader made at the result of a frame read whole before (AtResult false: it does not
            /// start at the frame's start) has nothing left to check.
            /// </summary>
            public static void Finish(JsonReader r)
            {
                if (r.Start != 0) return;
                string name;
                while (r.NextMember(out name))
                {
                    if (name == "id" || name == "result" || name == "error") throw new FormatException("The answer has a second '" + name + "' after its result.");
                    r.Skip();
                }
                r.End();
            }
        }
    }
}
