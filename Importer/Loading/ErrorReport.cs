using System.Globalization;
using System.Text;
using RecallFiles.Schemas;

namespace RecallFiles.Importer.Loading;

/// <summary>
/// The error report of a batch, for the vendor who has to fix the file: a CSV (UTF-8 with BOM so spreadsheets
/// detect the encoding, comma, CRLF) with one row per problem: file, line, column, rule, severity, message. It is
/// spreadsheet-safe: a cell that starts with <c>=</c> <c>+</c> <c>-</c> <c>@</c>, a tab or a carriage return is
/// prefixed with <c>'</c> so a spreadsheet shows it as text instead of running it as a formula (CSV injection).
/// Messages come from Schemas, which masks phones and e-mails.
/// </summary>
public static class ErrorReport
{
    /// <summary>The report's header row.</summary>
    public const string Header = "FILE,LINE,COLUMN,RULE,SEVERITY,MESSAGE";

    /// <summary>Builds the report for <paramref name="problems"/>; <paramref name="omitted"/> problems not listed are counted on a last line.</summary>
    public static byte[] Build(IEnumerable<ContractProblem> problems, long omitted = 0)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var text = new StringBuilder();
        text.Append(Header).Append("\r\n");
        foreach (var p in problems)
        {
            AppendRow(text,
            [
                p.File,
                p.Line?.ToString(CultureInfo.InvariantCulture) ?? "",
                p.Column ?? "",
                p.Code,
                p.Severity == ProblemSeverity.Error ? "error" : "warning",
                p.Message,
            ]);
        }

        if (omitted > 0)
        {
            AppendRow(text, ["", "", "", "truncated", "error", $"{omitted.ToString(CultureInfo.InvariantCulture)} more problem(s) are not listed (at most 1,000 of each rule are); fix the ones above and send the file again"]);
        }

        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text.ToString())];
    }

    /// <summary>Makes a cell safe for spreadsheets: a leading formula character gets a <c>'</c> in front.</summary>
    public static string Neutralise(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;
    }

    private static void AppendRow(StringBuilder text, string[] cells)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            var cell = Neutralise(cells[i]);
            if (cell.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                text.Append('"').Append(cell.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                text.Append(cell);
            }
        }

        text.Append("\r\n");
    }
}
