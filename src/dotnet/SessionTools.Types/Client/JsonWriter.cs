using System;
using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Text;

namespace SessionTools.Rpc
{
    /// <summary>
    /// Writes the JSON of what RPC params hold: strings, integers, booleans (and switches), null, lists
    /// and the members of one object at a time. The one JSON writer of the client (JsonReader.cs says
    /// why it is our own). Strings escape '"', '\' and the control characters, and keep everything
    /// else as it is: the line is sent as UTF-8.
    /// </summary>
    internal sealed class JsonWriter
    {
        private readonly StringBuilder _sb;
        private bool _needComma;

        public JsonWriter(StringBuilder sb) { _sb = sb; }

        public StringBuilder Builder { get { return _sb; } }

        private void Comma()
        {
            if (_needComma) _sb.Append(',');
            _needComma = true;
        }

        public JsonWriter BeginObject() { Comma(); _sb.Append('{'); _needComma = false; return this; }
        public JsonWriter EndObject() { _sb.Append('}'); _needComma = true; return this; }
        public JsonWriter BeginArray() { Comma(); _sb.Append('['); _needComma = false; return this; }
        public JsonWriter EndArray() { _sb.Append(']'); _needComma = true; return this; }

        public JsonWriter Name(string name)
        {
            Comma();
            Quoted(name);
            _sb.Append(':');
            _needComma = false;
            return this;
        }

        public JsonWriter String(string text)
        {
            Comma();
            Quoted(text);
            return this;
        }

        public JsonWriter Integer(long value)
        {
            Comma();
            _sb.Append(value.ToString(CultureInfo.InvariantCulture));
            return this;
        }

        public JsonWriter Bool(bool value)
        {
            Comma();
            _sb.Append(value ? "true" : "false");
            return this;
        }

        public JsonWriter Null()
        {
            Comma();
            _sb.Append("null");
            return this;
        }

        /// <summary>A value as PowerShell bound it: string, integer, bool or switch, null, or a list of those.</summary>
        public JsonWriter Value(object value)
        {
            var ps = value as PSObject;
            if (ps != null) value = ps.BaseObject;
            if (value == null) return Null();
            if (value is string) return String((string)value);
            if (value is SwitchParameter) return Bool(((SwitchParameter)value).IsPresent);
            if (value is bool) return Bool((bool)value);
            if (value is int) return Integer((int)value);
            if (value is long) return Integer((long)value);
            if (value is char) return String(value.ToString());
            var target = value as Target;
            if (target != null) { target.Write(this); return this; }
            var list = value as IEnumerable;
            if (list != null)
            {
                BeginArray();
                foreach (object item in list) Value(item);
                return EndArray();
            }
            throw new ArgumentException("The RPC params cannot hold a " + value.GetType().FullName + ".");
        }

        private void Quoted(string text)
        {
            _sb.Append('"');
            int plain = 0;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c >= ' ' && c != '"' && c != '\\') continue;
                _sb.Append(text, plain, i - plain);
                plain = i + 1;
                if (c == '"') _sb.Append("\\\"");
                else if (c == '\\') _sb.Append("\\\\");
                else _sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            _sb.Append(text, plain, text.Length - plain);
            _sb.Append('"');
        }
    }
}
