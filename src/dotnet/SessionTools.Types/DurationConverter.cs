using System;
using System.ComponentModel;
using System.Globalization;

namespace SessionTools
{
    /// <summary>
    /// PowerShell asks a type's TypeConverter before it tries Parse or a constructor, so this is
    /// where a right-hand side such as "30m", a [TimeSpan], 90s ([int16]) or 1d ([decimal]) becomes a
    /// Duration, and where a bare number is refused with a message that says to write a unit.
    /// </summary>
    public sealed class DurationConverter : TypeConverter
    {
        public override bool CanConvertFrom(ITypeDescriptorContext context, Type sourceType)
        {
            return sourceType == typeof(string) || sourceType == typeof(TimeSpan)
                || sourceType == typeof(short) || sourceType == typeof(int) || sourceType == typeof(long) || sourceType == typeof(double)
                || sourceType == typeof(decimal) || base.CanConvertFrom(context, sourceType);
        }

        public override object ConvertFrom(ITypeDescriptorContext context, CultureInfo culture, object value)
        {
            return Duration.From(value);
        }

        public override bool CanConvertTo(ITypeDescriptorContext context, Type destinationType)
        {
            return destinationType == typeof(TimeSpan) || destinationType == typeof(string) || base.CanConvertTo(context, destinationType);
        }

        public override object ConvertTo(ITypeDescriptorContext context, CultureInfo culture, object value, Type destinationType)
        {
            Duration d = value as Duration;
            if (d != null && destinationType == typeof(TimeSpan)) return d.TimeSpan;
            if (d != null && destinationType == typeof(string)) return d.ToString();
            return base.ConvertTo(context, culture, value, destinationType);
        }
    }
}
