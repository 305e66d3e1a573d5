using System;
using System.Globalization;
using System.Management.Automation;

namespace SessionTools
{
    /// <summary>
    /// How PowerShell makes a Duration of something else (found through the [TypeConverter]
    /// attribute on Duration, which PowerShell reads for a PSTypeConverter as for a
    /// System.ComponentModel one; docs/powershell.md, "Sessions after serialization"):
    /// - a right-hand side such as "30m", a [TimeSpan], 90s ([int16]) or 1d ([decimal]); a bare number
    ///   is refused with a message that says to write a unit;
    /// - a property bag with a Ticks member: the deserialized Duration that Import-Clixml,
    ///   Receive-Job and Invoke-Command read (Deserialized.SessionTools.Duration, whose
    ///   TargetTypeForDeserialization in SessionTools.types.ps1xml sends it here), and the object
    ///   ConvertFrom-Json makes of a Duration's JSON ({"Ticks":1294370000, ...}).
    /// </summary>
    public sealed class DurationConverter : PSTypeConverter
    {
        public override bool CanConvertFrom(object sourceValue, Type destinationType)
        {
            if (destinationType != typeof(Duration)) return false;
            if (sourceValue is PSObject) return TicksOf((PSObject)sourceValue) != null;
            return sourceValue is string || sourceValue is TimeSpan || sourceValue is Duration || Duration.IsNumber(sourceValue);
        }

        public override bool CanConvertFrom(PSObject sourceValue, Type destinationType)
        {
            if (sourceValue == null || destinationType != typeof(Duration)) return false;
            return sourceValue.BaseObject is PSCustomObject ? TicksOf(sourceValue) != null : CanConvertFrom(sourceValue.BaseObject, destinationType);
        }

        public override object ConvertFrom(object sourceValue, Type destinationType, IFormatProvider formatProvider, bool ignoreCase)
        {
            PSObject bag = sourceValue as PSObject;
            if (bag != null) return ConvertFrom(bag, destinationType, formatProvider, ignoreCase);
            return Duration.From(sourceValue);
        }

        public override object ConvertFrom(PSObject sourceValue, Type destinationType, IFormatProvider formatProvider, bool ignoreCase)
        {
            if (sourceValue == null) return null;
            if (!(sourceValue.BaseObject is PSCustomObject)) return Duration.From(sourceValue.BaseObject);
            long? ticks = TicksOf(sourceValue);
            if (ticks == null) throw new PSInvalidCastException("An object without a whole-number Ticks property is not a duration.");
            return new Duration(TimeSpan.FromTicks(ticks.Value));
        }

        public override bool CanConvertTo(object sourceValue, Type destinationType)
        {
            return sourceValue is Duration && (destinationType == typeof(TimeSpan) || destinationType == typeof(string));
        }

        public override object ConvertTo(object sourceValue, Type destinationType, IFormatProvider formatProvider, bool ignoreCase)
        {
            Duration d = sourceValue as Duration;
            if (d != null && destinationType == typeof(TimeSpan)) return d.ToTimeSpan();
            if (d != null && destinationType == typeof(string)) return d.ToString();
            throw new PSInvalidCastException("A Duration converts only to [TimeSpan] and [string].");
        }

        /// <summary>The Ticks of a property bag, when it has a whole number there (long from Clixml, Int64 or a numeric string from JSON and CSV).</summary>
        private static long? TicksOf(PSObject bag)
        {
            if (!(bag.BaseObject is PSCustomObject)) return null;
            PSPropertyInfo p = bag.Properties["Ticks"];
            object v = p == null || p.Value == null ? null : PSObject.AsPSObject(p.Value).BaseObject;
            if (v is long) return (long)v;
            if (v is int) return (int)v;
            long parsed;
            string s = v as string;
            if (s != null && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out parsed)) return parsed;
            return null;
        }
    }
}
