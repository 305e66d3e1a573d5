using System;
using System.IO;
using System.Management.Automation;

namespace SessionTools.Rpc
{
    /// <summary>An ErrorId's category and recommended action (the one table: src/protocol/errors.ts, generated into Protocol.g.cs).</summary>
    internal sealed class ErrorInfo
    {
        public ErrorInfo(ErrorCategory category, string action) { Category = category; Action = action; }
        public ErrorCategory Category { get; private set; }
        public string Action { get; private set; }
    }

    /// <summary>Error records by ErrorId, with the table's category and recommended action.</summary>
    internal static class Errors
    {
        public static ErrorRecord Record(string errorId, string message, object target)
        {
            ErrorInfo info;
            if (!Protocol.Errors.TryGetValue(errorId, out info)) info = Protocol.Errors["BackendFailed"];
            Exception exception;
            switch (info.Category)
            {
                case ErrorCategory.ObjectNotFound: exception = new ItemNotFoundException(message); break;
                case ErrorCategory.PermissionDenied: exception = new UnauthorizedAccessException(message); break;
                case ErrorCategory.NotImplemented: exception = new NotSupportedException(message); break;
                case ErrorCategory.OperationTimeout: exception = new TimeoutException(message); break;
                case ErrorCategory.ConnectionError: exception = new IOException(message); break;
                default: exception = new InvalidOperationException(message); break;
            }
            var record = new ErrorRecord(exception, errorId, info.Category, target);
            record.ErrorDetails = new ErrorDetails(message) { RecommendedAction = info.Action };
            return record;
        }

        /// <summary>
        /// Ends the command with this error (ThrowTerminatingError never returns; the exception
        /// returned keeps the compiler's flow analysis honest: `throw Errors.Terminate(...)`).
        /// </summary>
        public static Exception Terminate(PSCmdlet cmdlet, string errorId, object target, string message)
        {
            cmdlet.ThrowTerminatingError(Record(errorId, message, target));
            return new InvalidOperationException(message);
        }
    }
}
