using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Xml;

namespace SessionTools.Pwsh;

/// <summary>
/// One output stream of the host (stdout or stderr) in the format chosen with -OutputFormat, like
/// pwsh's WrappedSerializer (ConsoleHost Serialization.cs): with XML, the first write puts the line
/// "#&lt; CLIXML" and then every object goes through the engine's own CLIXML serializer
/// (System.Management.Automation.Serializer, internal, reached by reflection) into one &lt;Objs&gt;
/// document that is closed when the host ends; with Text, an object is written as its ToString().
/// </summary>
internal sealed class ClixmlOutput
{
    private static readonly Type s_serializerType =
        typeof(PSObject).Assembly.GetType("System.Management.Automation.Serializer", throwOnError: true)!;
    private static readonly ConstructorInfo s_ctor =
        s_serializerType.GetConstructor(BindingFlags.Instance | BindingFlags.NonPublic, new[] { typeof(XmlWriter) })!;
    private static readonly MethodInfo s_serialize =
        s_serializerType.GetMethod("Serialize", BindingFlags.Instance | BindingFlags.NonPublic, new[] { typeof(object), typeof(string) })!;
    private static readonly MethodInfo s_done =
        s_serializerType.GetMethod("Done", BindingFlags.Instance | BindingFlags.NonPublic, Type.EmptyTypes)!;

    private readonly DataFormat _format;
    private readonly string _streamName;
    private readonly XmlWriter? _xmlWriter;
    private object? _serializer;
    private bool _firstCall = true;
    private readonly object _lock = new();

    public TextWriter Writer { get; }

    public ClixmlOutput(DataFormat format, string streamName, TextWriter writer)
    {
        _format = format;
        _streamName = streamName;
        Writer = writer;
        if (format == DataFormat.XML)
        {
            var settings = new XmlWriterSettings { CheckCharacters = false, OmitXmlDeclaration = true };
            _xmlWriter = XmlWriter.Create(writer, settings);
            _serializer = s_ctor.Invoke(new object[] { _xmlWriter });
        }
    }

    public void Serialize(object o) => Serialize(o, _streamName);

    public void Serialize(object o, string streamName)
    {
        lock (_lock)
        {
            switch (_format)
            {
                case DataFormat.None:
                    break;
                case DataFormat.XML:
                    if (_serializer == null) return;
                    if (_firstCall)
                    {
                        _firstCall = false;
                        Writer.WriteLine("#< CLIXML");
                    }
                    s_serialize.Invoke(_serializer, new[] { o, streamName });
                    _xmlWriter!.Flush();
                    break;
                default:
                    Writer.Write(o.ToString());
                    break;
            }
        }
    }

    /// <summary>Closes the &lt;Objs&gt; document (pwsh does this when the host is disposed).</summary>
    public void End()
    {
        lock (_lock)
        {
            if (_format != DataFormat.XML || _serializer == null) return;
            // As pwsh: the document is closed even if nothing was written to it.
            s_done.Invoke(_serializer, null);
            _xmlWriter!.Flush();
            _serializer = null;
            Writer.Flush();
        }
    }
}
