using System;
using System.ComponentModel;
using System.Globalization;
using System.Management.Automation;
using System.Xml;

namespace SessionTools
{
    /// <summary>
    /// A length of time that PowerShell compares with the strings people type: 90s, 30m, 2h, 1h30m,
    /// 1d, 1.5h, 0:30 (hh:mm), PT30M, and with [TimeSpan]. It exists so that
    /// <c>Get-UserSession | Where Idle -gt 30m</c> works as typed: Where-Object receives the string
    /// "30m", and PowerShell converts the right-hand side to the left-hand side's type (through
    /// <see cref="DurationConverter"/>, then <see cref="Parse(string)"/>) before calling
    /// <see cref="CompareTo(object)"/>. A bare number is refused with a message asking for a unit:
    /// 30 could mean seconds, minutes or (as [TimeSpan] reads it) ticks. Two typed forms arrive as
    /// numbers, not strings, and are read by their suffix: 90s ([int16], PowerShell 7) and 1d
    /// ([decimal]).
    /// Its text (ToString) is exact and reads back: 2m09.437s is 2 min 9.437 s, so Export-Csv and
    /// Import-Csv keep the value; ToString("c") is the compact form the table shows (2m). Ticks is
    /// exact too: ConvertTo-Json writes it, and Clixml, jobs and remoting carry only it
    /// (SessionTools.types.ps1xml), from which <see cref="DurationConverter"/> rehydrates a Duration.
    /// </summary>
    [TypeConverter(typeof(DurationConverter))]
    public sealed class Duration : IComparable, IComparable<Duration>, IEquatable<Duration>, IFormattable
    {
        private readonly TimeSpan _value;

        public Duration(TimeSpan value) { _value = value; }

        public static Duration FromMilliseconds(double milliseconds)
        {
            return new Duration(TimeSpan.FromTicks((long)Math.Round(milliseconds * TimeSpan.TicksPerMillisecond)));
        }

        /// <summary>The value as a [TimeSpan].</summary>
        public TimeSpan ToTimeSpan() { return _value; }

        /// <summary>
        /// PowerShell's $duration.TimeSpan: a hidden CodeProperty (SessionTools.types.ps1xml), not a
        /// .NET property, because ConvertTo-Json writes every .NET property, hidden or not, and a
        /// TimeSpan's twenty members with it; Ticks says the same exactly.
        /// </summary>
        public static TimeSpan GetTimeSpan(PSObject instance) { return ((Duration)instance.BaseObject)._value; }

        /// <summary>The exact value in 100-nanosecond ticks, as [TimeSpan] counts them.</summary>
        public long Ticks { get { return _value.Ticks; } }
        public double TotalMilliseconds { get { return _value.TotalMilliseconds; } }
        public double TotalSeconds { get { return _value.TotalSeconds; } }
        public double TotalMinutes { get { return _value.TotalMinutes; } }
        public double TotalHours { get { return _value.TotalHours; } }
        public double TotalDays { get { return _value.TotalDays; } }

        public static Duration Parse(string text)
        {
            Duration result;
            string error;
            if (!TryParseCore(text, out result, out error)) throw new FormatException(error);
            return result;
        }

        /// <summary>PowerShell's conversion prefers this overload and passes the invariant culture.</summary>
        public static Duration Parse(string text, IFormatProvider provider) { return Parse(text); }

        public static bool TryParse(string text, out Duration result)
        {
            string error;
            return TryParseCore(text, out result, out error);
        }

        internal static string NoUnitMessage(object number)
        {
            string n = Convert.ToString(number, CultureInfo.InvariantCulture);
            return "A duration needs a unit: '" + n + "' could mean seconds, minutes or ticks. Write "
                + n + "s, " + n + "m, " + n + "h or " + n + "d (or combine them: 1h30m).";
        }

        private static bool TryParseCore(string text, out Duration result, out string error)
        {
            result = null;
            string s = text == null ? string.Empty : text.Trim();
            if (s.Length == 0) { error = "An empty string is not a duration. Write for example 30m, 2h or 1h30m."; return false; }

            double plainNumber;
            if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out plainNumber))
            {
                error = NoUnitMessage(s);
                return false;
            }
            if (s.IndexOf(':') >= 0)
            {
                TimeSpan clock;
                if (TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out clock)) { result = new Duration(clock); error = null; return true; }
                error = "'" + s + "' is not a duration: a clock form is h:mm, h:mm:ss or d.hh:mm:ss.";
                return false;
            }
            if (s.Length > 1 && (s[0] == 'P' || s[0] == 'p' || ((s[0] == '-') && (s[1] == 'P' || s[1] == 'p'))))
            {
                try { result = new Duration(XmlConvert.ToTimeSpan(s.ToUpperInvariant())); error = null; return true; }
                catch (FormatException) { error = "'" + s + "' is not an ISO 8601 duration (for example PT30M)."; return false; }
            }
            return TryParseUnits(s, out result, out error);
        }

        // Units in the order they must appear; each at most once: 1d2h3m4s5ms.
        private static readonly string[] Units = { "d", "h", "m", "s", "ms" };
        private static readonly long[] UnitTicks =
        {
            TimeSpan.TicksPerDay, TimeSpan.TicksPerHour, TimeSpan.TicksPerMinute,
            TimeSpan.TicksPerSecond, TimeSpan.TicksPerMillisecond,
        };

        private static bool TryParseUnits(string s, out Duration result, out string error)
        {
            result = null;
            string syntax = "'" + s + "' is not a duration. Write a number with a unit (d, h, m, s, ms), for example 90s, 30m, 2h, 1h30m or 1d.";
            int i = 0;
            bool negative = false;
            if (s[0] == '-') { negative = true; i = 1; }
            decimal ticks = 0;
            int lastUnit = -1;
            while (i < s.Length)
            {
                int start = i;
                while (i < s.Length && (char.IsDigit(s[i]) || s[i] == '.')) i++;
                if (i == start) { error = syntax; return false; }
                decimal number;
                if (!decimal.TryParse(s.Substring(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out number))
                {
                    error = syntax; return false;
                }
                int unitStart = i;
                while (i < s.Length && char.IsLetter(s[i])) i++;
                string unit = s.Substring(unitStart, i - unitStart).ToLowerInvariant();
                int index = Array.IndexOf(Units, unit);
                if (index < 0)
                {
                    error = unit.Length == 0 ? NoUnitMessage(s.Substring(start, i - start)) : syntax;
                    return false;
                }
                if (index <= lastUnit) { error = syntax + " Give each unit once, largest first."; return false; }
                lastUnit = index;
                try { ticks += number * UnitTicks[index]; }
                catch (OverflowException) { error = "'" + s + "' is longer than the longest duration."; return false; }
            }
            if (ticks > TimeSpan.MaxValue.Ticks) { error = "'" + s + "' is longer than the longest duration."; return false; }
            // Decimal arithmetic: the exact text ToString writes (down to 7 decimals of a second) reads back to the same tick.
            result = new Duration(TimeSpan.FromTicks((long)Math.Round(negative ? -ticks : ticks)));
            error = null;
            return true;
        }

        /// <summary>Converts what PowerShell may hand us: a Duration, a TimeSpan or a string.</summary>
        internal static Duration From(object value)
        {
            if (value == null) return null;
            Duration d = value as Duration;
            if (d != null) return d;
            if (value is TimeSpan) return new Duration((TimeSpan)value);
            string s = value as string;
            if (s != null) return Parse(s);
            // In argument mode PowerShell 7 reads `90s` as [int16] 90 (the s suffix) and every
            // PowerShell reads `1d` as [decimal] 1 (the d suffix): `Where Idle -gt 90s` and
            // `-gt 1d` reach us as those numbers. A plain 30 is an [int], which has no unit.
            if (value is short) return new Duration(TimeSpan.FromSeconds((short)value));
            if (value is decimal) return new Duration(TimeSpan.FromTicks((long)Math.Round((decimal)value * TimeSpan.TicksPerDay)));
            if (IsNumber(value)) throw new FormatException(NoUnitMessage(value));
            throw new ArgumentException("Cannot compare a duration with a value of type " + value.GetType().FullName + ".");
        }

        internal static bool IsNumber(object value)
        {
            return value is int || value is long || value is double || value is decimal || value is float
                || value is short || value is byte || value is uint || value is ulong || value is ushort || value is sbyte;
        }

        public int CompareTo(Duration other) { return other == null ? 1 : _value.CompareTo(other._value); }

        public int CompareTo(object obj) { return CompareTo(From(obj)); }

        public bool Equals(Duration other) { return other != null && _value == other._value; }

        public override bool Equals(object obj)
        {
            if (obj is Duration || obj is TimeSpan) return Equals(From(obj));
            string s = obj as string;
            Duration parsed;
            return s != null && TryParse(s, out parsed) && Equals(parsed);
        }

        public override int GetHashCode() { return _value.GetHashCode(); }

        /// <summary>
        /// Exact, and read back by Parse: the compact form (45m, 2h05m, 3d04h) followed by whatever
        /// it leaves out (2m09s, 2h05m13s, 3d04h00m07.25s). Export-Csv writes this.
        /// </summary>
        public override string ToString() { return Format(true); }

        /// <summary>"c": compact, as `w` and admins write it (45s, 45m, 2h05m, 3d04h), as the table shows it; "g", null or "": exact (ToString()).</summary>
        public string ToString(string format) { return ToString(format, null); }

        public string ToString(string format, IFormatProvider formatProvider)
        {
            if (string.IsNullOrEmpty(format) || format == "g" || format == "G") return Format(true);
            if (format == "c") return Format(false);
            throw new FormatException("'" + format + "' is not a Duration format: use \"c\" (compact, 2h05m) or \"g\" (exact, 2h05m13.5s).");
        }

        private string Format(bool exact)
        {
            TimeSpan t = _value;
            string sign = string.Empty;
            if (t < TimeSpan.Zero) { sign = "-"; t = t.Negate(); }
            CultureInfo inv = CultureInfo.InvariantCulture;
            // The compact form names the largest unit and, after days or hours, the next one.
            int first = t.Days > 0 ? 0 : t.Hours > 0 ? 1 : t.Minutes > 0 ? 2 : 3;
            int last = first <= 1 ? first + 1 : first;
            long[] parts = { t.Days, t.Hours, t.Minutes, t.Seconds };
            long fraction = t.Ticks % TimeSpan.TicksPerSecond;
            if (exact)
            {
                if (fraction != 0) last = 3;
                else while (last < 3 && AnyAfter(parts, last)) last++;
            }
            var text = new System.Text.StringBuilder(sign);
            for (int i = first; i <= last; i++)
            {
                text.Append(parts[i].ToString(i == first ? "0" : "00", inv));
                if (i == 3 && exact && fraction != 0) text.Append('.').Append(fraction.ToString("0000000", inv).TrimEnd('0'));
                text.Append(Units[i]);
            }
            return text.ToString();
        }

        private static bool AnyAfter(long[] parts, int index)
        {
            for (int i = index + 1; i < parts.Length; i++) if (parts[i] != 0) return true;
            return false;
        }
    }
}
