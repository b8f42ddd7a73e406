using System.Text;
using NLog.LayoutRenderers;
using NLog.LayoutRenderers.Wrappers;

namespace RecallFiles.Scheduler.Logging;

/// <summary>
/// <c>${one-line:inner=…}</c>: one log event is one line of the text log (issue 13). Line breaks become <c>\n</c> and
/// <c>\r</c>, other control characters (TAB aside) <c>\uXXXX</c>, so nothing a file, a caller or an exception message
/// carries can forge a line that looks like another event (a status file once wrote a fake
/// <c>…|RecallFiles.Audit|approve …</c> line) or drive the terminal of whoever tails the log. Stack traces stay whole,
/// on the event's line.
/// </summary>
[LayoutRenderer(Name)]
internal sealed class OneLineLayoutRenderer : WrapperLayoutRendererBase
{
    /// <summary>The renderer's name in layouts.</summary>
    public const string Name = "one-line";

    /// <inheritdoc />
    protected override string Transform(string text) => Escape(text);

    /// <summary>The text with line breaks and control characters written out.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = text.AsSpan().IndexOfAnyInRange('\0', '\u001f');
        if (first < 0 && !text.AsSpan().ContainsAny('\u007f', '\u2028', '\u2029'))
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n':
                    escaped.Append("\\n");
                    i++;
                    break;
                case '\n':
                    escaped.Append("\\n");
                    break;
                case '\r':
                    escaped.Append("\\r");
                    break;
                case '\t':
                    escaped.Append(c);
                    break;
                case < ' ' or '\u007f' or '\u2028' or '\u2029':
                    escaped.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
                    break;
                default:
                    escaped.Append(c);
                    break;
            }
        }

        return escaped.ToString();
    }
}
