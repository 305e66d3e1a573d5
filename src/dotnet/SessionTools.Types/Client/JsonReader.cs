using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace SessionTools.Rpc
{
    /// <summary>
    /// A pull reader of one JSON text (RFC 8259), strict: anything else is a FormatException. Small and
    /// our own, so that the same code runs on .NET Framework 4.7.2 (Windows PowerShell 5.1) and .NET 10
    /// (PowerShell 7) with no package to ship beside it (docs/powershell.md, section 4). The generated
    /// readers of the wire types (Generated/*.g.cs) read members in any order through it.
    /// </summary>
    internal sealed class JsonReader
    {
        /// <summary>
        /// MethodImplOptions.AggressiveOptimization (512), which netstandard2.0 does not name: the
        /// reader's methods, and the generated ReadJson of each wire type, are compiled optimized on
        /// their first call instead of running as .NET's unoptimized first tier until they prove hot
        /// (docs/powershell.md 5, "Reading answers optimized from the start": what was measured, and
        /// that Windows PowerShell 5.1 ignoring the bit is not checked here).
        /// </summary>
        internal const MethodImplOptions Hot = (MethodImplOptions)0x200;

        private readonly string _text;
        private int _pos;
        /// <summary>Per open object or array: whether a first member or item was read.</summary>
        private bool _afterFirst;

        public JsonReader(string text) : this(text, 0) { }

        public JsonReader(string text, int start)
        {
            _text = text ?? throw new ArgumentNullException(nameof(text));
            _pos = start;
            Start = start;
        }

        /// <summary>Where in the text this reader began (0: at the start of the whole text).</summary>
        public int Start { get; private set; }

        public int Position { get { SkipSpace(); return _pos; } }

        [MethodImpl(Hot)]
        private FormatException Bad(string what)
        {
            return new FormatException("Not JSON at character " + _pos + ": " + what + ".");
        }

        [MethodImpl(Hot)]
        private void SkipSpace()
        {
            while (_pos < _text.Length)
            {
                char c = _text[_pos];
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
                _pos++;
            }
        }

        [MethodImpl(Hot)]
        private char Next()
        {
            SkipSpace();
            if (_pos >= _text.Length) throw Bad("the text ends early");
            return _text[_pos];
        }

        [MethodImpl(Hot)]
        private void Expect(char c)
        {
            if (Next() != c) throw Bad("'" + c + "' expected");
            _pos++;
        }

        /// <summary>Whether the next value is null (and reads it when it is).</summary>
        [MethodImpl(Hot)]
        public bool TryReadNull()
        {
            if (Next() != 'n') return false;
            Literal("null");
            return true;
        }

        [MethodImpl(Hot)]
        private void Literal(string word)
        {
            if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0) throw Bad("'" + word + "' expected");
            _pos += word.Length;
        }

        [MethodImpl(Hot)]
        public void BeginObject() { Expect('{'); _afterFirst = false; }

        /// <summary>The next member's name, or false at the end of the object.</summary>
        [MethodImpl(Hot)]
        public bool NextMember(out string name)
        {
            char c = Next();
            if (c == '}') { _pos++; _afterFirst = true; name = null; return false; }
            if (_afterFirst) { Expect(','); }
            _afterFirst = true;
            name = ReadName();
            Expect(':');
            return true;
        }

        /// <summary>Member names seen so far, by a hash of their characters (a few slots; a clash just allocates).</summary>
        private readonly string[] _names = new string[64];

        /// <summary>
        /// A member's name: the same string instance for the same name each time it is met, so that
        /// thousands of objects with the same members (a listing's sessions) do not allocate their
        /// names again. A name with an escape is read as any string.
        /// </summary>
        [MethodImpl(Hot)]
        private string ReadName()
        {
            Expect('"');
            int start = _pos;
            uint hash = 2166136261;
            while (_pos < _text.Length)
            {
                char c = _text[_pos];
                if (c == '"')
                {
                    int length = _pos - start;
                    int slot = (int)(hash & (uint)(_names.Length - 1));
                    string known = _names[slot];
                    _pos++;
                    if (known != null && known.Length == length && string.CompareOrdinal(_text, start, known, 0, length) == 0) return known;
                    return _names[slot] = _text.Substring(start, length);
                }
                if (c == '\\' || c < ' ') break;
                hash = (hash ^ c) * 16777619;
                _pos++;
            }
            _pos = start - 1;
            return ReadString();
        }

        [MethodImpl(Hot)]
        public void BeginArray() { Expect('['); _afterFirst = false; }

        /// <summary>Whether another item follows (false at the end of the array).</summary>
        [MethodImpl(Hot)]
        public bool NextItem()
        {
            char c = Next();
            if (c == ']') { _pos++; _afterFirst = true; return false; }
            if (_afterFirst) Expect(',');
            _afterFirst = true;
            return true;
        }

        [MethodImpl(Hot)]
        public string ReadString()
        {
            Expect('"');
            int start = _pos;
            while (_pos < _text.Length)
            {
                char c = _text[_pos];
                if (c == '"') { string plain = _text.Substring(start, _pos - start); _pos++; return plain; }
                if (c == '\\') break;
                if (c < ' ') throw Bad("a control character in a string");
                _pos++;
            }
            var sb = new StringBuilder(_text, start, _pos - start, _pos - start + 16);
            while (true)
            {
                if (_pos >= _text.Length) throw Bad("the string is not closed");
                char c = _text[_pos++];
                if (c == '"') return sb.ToString();
                if (c < ' ') throw Bad("a control character in a string");
                if (c != '\\') { sb.Append(c); continue; }
                if (_pos >= _text.Length) throw Bad("the string is not closed");
                char e = _text[_pos++];
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        int code;
                        if (_pos + 4 > _text.Length || !int.TryParse(_text.Substring(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out code))
                            throw Bad("\\u needs four hex digits");
                        sb.Append((char)code);
                        _pos += 4;
                        break;
                    default: throw Bad("an unknown escape \\" + e);
                }
            }
        }

        [MethodImpl(Hot)]
        public bool ReadBool()
        {
            char c = Next();
            if (c == 't') { Literal("true"); return true; }
            if (c == 'f') { Literal("false"); return false; }
            throw Bad("true or false expected");
        }

        /// <summary>The text of the next number, checked against JSON's grammar.</summary>
        [MethodImpl(Hot)]
        private string NumberText()
        {
            SkipSpace();
            int start = _pos;
            if (_pos < _text.Length && _text[_pos] == '-') _pos++;
            if (_pos < _text.Length && _text[_pos] == '0') _pos++;
            else if (!Digits()) throw Bad("a number expected");
            if (_pos < _text.Length && _text[_pos] == '.') { _pos++; if (!Digits()) throw Bad("digits after the point expected"); }
            if (_pos < _text.Length && (_text[_pos] == 'e' || _text[_pos] == 'E'))
            {
                _pos++;
                if (_pos < _text.Length && (_text[_pos] == '+' || _text[_pos] == '-')) _pos++;
                if (!Digits()) throw Bad("digits of the exponent expected");
            }
            return _text.Substring(start, _pos - start);
        }

        [MethodImpl(Hot)]
        private bool Digits()
        {
            int start = _pos;
            while (_pos < _text.Length && _text[_pos] >= '0' && _text[_pos] <= '9') _pos++;
            return _pos > start;
        }

        /// <summary>
        /// A number that is a plain integer of at most 15 digits (every one a double holds exactly),
        /// read without making its text; false (nothing read) for anything else, which the full
        /// reading handles: a fraction, an exponent, more digits, "-0", or no number at all.
        /// </summary>
        [MethodImpl(Hot)]
        private bool TryPlainInteger(out long value)
        {
            SkipSpace();
            value = 0;
            int p = _pos;
            bool negative = p < _text.Length && _text[p] == '-';
            if (negative) p++;
            int first = p;
            while (p < _text.Length && p - first <= 15)
            {
                char c = _text[p];
                if (c < '0' || c > '9') break;
                value = value * 10 + (c - '0');
                p++;
            }
            int digits = p - first;
            if (digits == 0 || digits > 15 || (digits > 1 && _text[first] == '0') || (negative && value == 0)) return false;
            if (p < _text.Length)
            {
                char next = _text[p];
                if (next == '.' || next == 'e' || next == 'E' || (next >= '0' && next <= '9')) return false;
            }
            _pos = p;
            if (negative) value = -value;
            return true;
        }

        [MethodImpl(Hot)]
        public double ReadDouble()
        {
            long plain;
            if (TryPlainInteger(out plain)) return plain;
            string n = NumberText();
            double value;
            // .NET Framework fails on a number beyond double's range; .NET gives infinity. Both are refused.
            if (!double.TryParse(n, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || double.IsInfinity(value)) throw Bad("the number " + n + " is out of range");
            return value;
        }

        [MethodImpl(Hot)]
        public long ReadInt64()
        {
            long plain;
            if (TryPlainInteger(out plain)) return plain;
            string n = NumberText();
            long value;
            if (long.TryParse(n, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)) return value;
            double d;
            if (double.TryParse(n, NumberStyles.Float, CultureInfo.InvariantCulture, out d) && d == Math.Floor(d) && Math.Abs(d) < 9007199254740992.0) return (long)d;
            throw Bad("an integer expected, not " + n);
        }

        [MethodImpl(Hot)]
        public int ReadInt32()
        {
            long v = ReadInt64();
            if (v < int.MinValue || v > int.MaxValue) throw Bad("the integer " + v + " is out of range");
            return (int)v;
        }

        /// <summary>A string or an integer, as the wire's `string | number` (TargetError.Target).</summary>
        [MethodImpl(Hot)]
        public object ReadStringOrInteger()
        {
            return Next() == '"' ? (object)ReadString() : ReadInt64();
        }

        /// <summary>Reads past the next value, whatever it is.</summary>
        [MethodImpl(Hot)]
        public void Skip()
        {
            char c = Next();
            switch (c)
            {
                case '{':
                    BeginObject();
                    string name;
                    while (NextMember(out name)) Skip();
                    break;
                case '[':
                    BeginArray();
                    while (NextItem()) Skip();
                    break;
                case '"': ReadString(); break;
                case 't': case 'f': ReadBool(); break;
                case 'n': Literal("null"); break;
                default: NumberText(); break;
            }
            _afterFirst = true;
        }

        /// <summary>Fails unless only white space is left.</summary>
        [MethodImpl(Hot)]
        public void End()
        {
            SkipSpace();
            if (_pos != _text.Length) throw Bad("more text after the value");
        }
    }
}
