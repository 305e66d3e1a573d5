using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;

namespace SessionTools.Rpc
{
    /// <summary>How a wait for the helper's next line ended.</summary>
    internal enum LineWait { Line, Ended, TimedOut, Stopped }

    /// <summary>
    /// One running helper process (docs/powershell.md, section 5): started by absolute path, never
    /// through a shell; stdin written as UTF-8 bytes without BOM; stdout read line by line on a
    /// background thread into a queue, so that a wait can end at its deadline or when the pipeline is
    /// stopped; stderr read as it comes and kept in memory, only its last part (no file anywhere).
    /// </summary>
    internal sealed class HelperProcess
    {
        internal static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);
        /// <summary>How much of the helper's stderr is kept, for the message of a failed call.</summary>
        private const int StderrKeep = 4000;
        /// <summary>The longest single wait, so that a stopped pipeline is seen in time.</summary>
        private const int SliceMs = 50;

        private readonly Process _process;
        private readonly Stream _stdin;
        private readonly object _gate = new object();
        private readonly Queue<string> _lines = new Queue<string>();
        private readonly StringBuilder _stderr = new StringBuilder();
        private bool _ended;
        private int _nextId = 1;

        private HelperProcess(Process process)
        {
            _process = process;
            _stdin = process.StandardInput.BaseStream;
            var reader = new Thread(ReadStdout) { IsBackground = true, Name = "SessionTools helper stdout" };
            reader.Start();
            process.ErrorDataReceived += (sender, e) => { if (e.Data != null) KeepStderr(e.Data); };
            process.BeginErrorReadLine();
        }

        /// <summary>
        /// Node's options for the helper: V8's young generation kept to 1 MB a semi-space (V8's
        /// default is several times that), which a helper that lives on between calls otherwise
        /// fills with garbage it keeps resident. Measured as bench/memory.ts measures it (`npm run bench`), the helper's
        /// RSS after 12,000 warm calls, WTS on the double (issue 11, load 12-14): 76-80 MB with 1,
        /// 80-84 with 2 and 4, 93 with 8, 102-107 without; a fan-out over 500 hosts took no longer.
        /// (--optimize-for-size saved 5 MB more but made the fan-out slower: not passed.) The flag
        /// holds for the WTS workers too, which describe 5,000 sessions about a third slower with
        /// it; a young generation of their own cost the memory aim its margin (docs/wts-api.md 5.9).
        /// </summary>
        internal const string NodeOptions = "--max-semi-space-size=1";

        /// <summary>
        /// UV_THREADPOOL_SIZE for the helper: the threads of libuv's pool, on which the helper's
        /// asynchronous WTS calls to remote computers wait (docs/wts-api.md 5.9; libuv reads the
        /// variable only when the process starts, so it is set here, for the child). Chosen by
        /// measurement (bench/windows.ts): 500 hosts at 50 ms a call. Left as it is when the caller's
        /// environment already sets it, and not set where the helper runs the Linux backend (no
        /// SESSIONTOOLS_WTSAPI_PATH off Windows, src/backend/select.ts), which has no use for the
        /// threads and would only pay for starting them.
        /// </summary>
        internal const string ThreadPoolSize = "256";

        private static bool Has(ProcessStartInfo start, string name)
        {
            // ContainsKey first: .NET's dictionary throws for a missing key where .NET Framework's gives null.
            return start.EnvironmentVariables.ContainsKey(name) && !string.IsNullOrEmpty(start.EnvironmentVariables[name]);
        }

        /// <summary>Starts `node NodeOptions entry`. Throws what Process.Start throws.</summary>
        public static HelperProcess Start(string node, string entry)
        {
            var start = new ProcessStartInfo(node)
            {
                // .NET Framework has no ArgumentList: one string, the entry quoted as CommandLineToArgvW reads it.
                Arguments = NodeOptions + " \"" + entry.Replace("\"", "\\\"") + "\"",
                UseShellExecute = false,
                CreateNoWindow = true,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardOutputEncoding = Utf8,
                StandardErrorEncoding = Utf8,
                WorkingDirectory = Path.GetTempPath(),
            };
            start.EnvironmentVariables.Remove("NODE_OPTIONS");
            bool wts = Environment.OSVersion.Platform == PlatformID.Win32NT || Has(start, "SESSIONTOOLS_WTSAPI_PATH");
            if (wts && !Has(start, "UV_THREADPOOL_SIZE")) start.EnvironmentVariables["UV_THREADPOOL_SIZE"] = ThreadPoolSize;
            return new HelperProcess(Process.Start(start));
        }

        public int Id { get { return _process.Id; } }

        /// <summary>Requests written so far: the next request's id is this plus one.</summary>
        public int RequestsSent { get { lock (_gate) return _nextId - 1; } }

        public bool HasExited
        {
            get
            {
                lock (_gate) if (_ended && _lines.Count == 0) return true;
                try { return _process.HasExited; } catch (InvalidOperationException) { return true; }
            }
        }

        private void ReadStdout()
        {
            try
            {
                var reader = _process.StandardOutput;
                string line;
                while ((line = reader.ReadLine()) != null)
                {
                    lock (_gate) { _lines.Enqueue(line); Monitor.PulseAll(_gate); }
                }
            }
            catch (IOException) { }
            catch (ObjectDisposedException) { }
            lock (_gate) { _ended = true; Monitor.PulseAll(_gate); }
        }

        private void KeepStderr(string line)
        {
            lock (_stderr)
            {
                _stderr.Append(line).Append('\n');
                if (_stderr.Length > 2 * StderrKeep) _stderr.Remove(0, _stderr.Length - StderrKeep);
            }
        }

        /// <summary>The last part of what the helper wrote to stderr, trimmed.</summary>
        public string StderrTail
        {
            get
            {
                lock (_stderr)
                {
                    string text = _stderr.ToString();
                    return (text.Length > StderrKeep ? text.Substring(text.Length - StderrKeep) : text).Trim();
                }
            }
        }

        /// <summary>A new request id.</summary>
        public int NextId() { lock (_gate) return _nextId++; }

        /// <summary>Writes one frame; false when the helper is gone (it cannot have read it).</summary>
        public bool TryWrite(byte[] frame)
        {
            try
            {
                _stdin.Write(frame, 0, frame.Length);
                _stdin.Flush();
                return true;
            }
            catch (IOException) { return false; }
            catch (ObjectDisposedException) { return false; }
            catch (InvalidOperationException) { return false; }
        }

        /// <summary>Waits for the next line until `deadline`, or until `stopping` says the pipeline stops.</summary>
        public LineWait WaitLine(Stopwatch clock, long deadlineMs, Func<bool> stopping, out string line)
        {
            lock (_gate)
            {
                while (true)
                {
                    if (_lines.Count > 0) { line = _lines.Dequeue(); return LineWait.Line; }
                    line = null;
                    if (_ended) return LineWait.Ended;
                    if (stopping()) return LineWait.Stopped;
                    long left = deadlineMs - clock.ElapsedMilliseconds;
                    if (left <= 0) return LineWait.TimedOut;
                    Monitor.Wait(_gate, (int)Math.Min(left, SliceMs));
                }
            }
        }

        /// <summary>The exit code once the process has ended (waiting up to `ms`), else null.</summary>
        public int? ExitCode(int ms)
        {
            try
            {
                if (!_process.WaitForExit(ms)) return null;
                return _process.ExitCode;
            }
            catch (InvalidOperationException) { return null; }
        }

        /// <summary>
        /// Ends the helper: closes its stdin (it exits at EOF, after answering what it was sent) and
        /// waits up to `graceMs` before killing it. Safe to call twice.
        /// </summary>
        public void Stop(int graceMs)
        {
            try { _stdin.Close(); } catch (IOException) { } catch (ObjectDisposedException) { }
            try
            {
                if (!_process.WaitForExit(graceMs))
                {
                    _process.Kill();
                    _process.WaitForExit(2000);
                }
            }
            catch (InvalidOperationException) { }
            catch (System.ComponentModel.Win32Exception) { }
            _process.Dispose();
        }
    }
}
