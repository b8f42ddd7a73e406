using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using RecallFiles.Schemas;

namespace RecallFiles.Scheduler.Cli;

/// <summary><c>recallfiles validate FILE [--kind K] [--json] [--encoding NAME] [--strict-contacts]</c>: checks a file against the contract.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The CSV file to check." };
        var kind = new Option<string?>("--kind") { Description = "appointments, status or status-result; inferred from the file name or header when absent." };
        kind.AcceptOnlyFromAmong([.. FileKinds.Names]);
        var json = new Option<bool>("--json") { Description = "Print exactly one JSON object instead of the human report." };
        var encoding = new Option<string?>("--encoding") { Description = "Legacy encoding of the file, such as windows-1252 (default: UTF-8, strictly checked)." };
        var strictContacts = new Option<bool>("--strict-contacts")
        {
            Description = "An invalid optional phone or e-mail is a row error (as a practice with StrictContacts: true), not a warning that clears the value.",
        };
        var command = new Command("validate", "Check a file against the RecallFiles contract. Exit 0 valid (warnings allowed), 1 invalid, 2 usage error or unreadable file.")
        {
            file, kind, json, encoding, strictContacts,
        };
        command.SetAction(parse => Run(parse.GetValue(file)!, parse.GetValue(kind), parse.GetValue(json), parse.GetValue(encoding),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, parse.GetValue(strictContacts)));
        return command;
    }

    internal static int Run(FileInfo file, string? kindName, bool json, string? encoding, TextWriter output, TextWriter error, bool strictContacts = false)
    {
        FileKind? kind = kindName is null ? null : FileKinds.TryParse(kindName, out var k) ? k : null;
        FileStream stream;
        try
        {
            stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"recallfiles validate: cannot open {file.FullName}: {ex.Message}");
            return ExitCodes.Usage;
        }

        FileValidationReport report;
        using (stream)
        {
            report = FileValidator.Validate(stream, file.Name, kind, new ContractReadOptions { Encoding = encoding, StrictContacts = strictContacts });
        }

        if (report.Errors.Count == 1 && report.Errors[0].Code == ProblemCodes.UnreadableFile)
        {
            error.WriteLine($"recallfiles validate: {report.Errors[0].Message}");
            return ExitCodes.Usage;
        }

        if (json)
        {
            output.WriteLine(ToJson(report));
        }
        else
        {
            WriteHuman(report, output);
        }

        return report.IsValid ? ExitCodes.Ok : ExitCodes.Failed;
    }

    internal static string ToJson(FileValidationReport report)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("file", report.File);
            if (report.Kind is { } kind)
            {
                w.WriteString("kind", kind.ToName());
            }
            else
            {
                w.WriteNull("kind");
            }

            if (report.Dialect is { } d)
            {
                w.WriteStartObject("dialect");
                w.WriteString("delimiter", d.Delimiter.ToString());
                w.WriteString("encoding", d.Encoding);
                w.WriteBoolean("bom", d.Bom);
                w.WriteString("newline", d.NewLine);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("dialect");
            }

            w.WriteNumber("rows", report.Rows);
            w.WriteNumber("validRows", report.ValidRows);
            WriteProblems(w, "errors", report.Errors);
            WriteProblems(w, "warnings", report.Warnings);
            w.WriteNumber("errorCount", report.ErrorCount);
            w.WriteNumber("warningCount", report.WarningCount);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteProblems(Utf8JsonWriter w, string name, IReadOnlyList<ContractProblem> problems)
    {
        w.WriteStartArray(name);
        foreach (var p in problems)
        {
            w.WriteStartObject();
            if (p.Line is { } line)
            {
                w.WriteNumber("line", line);
            }
            else
            {
                w.WriteNull("line");
            }

            if (p.Column is { } column)
            {
                w.WriteString("column", column);
            }
            else
            {
                w.WriteNull("column");
            }

            w.WriteString("code", p.Code);
            w.WriteString("message", p.Message);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteHuman(FileValidationReport r, TextWriter o)
    {
        var verdict = r.IsValid ? "VALID" : "INVALID";
        var dialect = r.Dialect is { } d
            ? $"delimiter '{d.DelimiterName}', {d.Encoding}{(d.Bom ? " with BOM" : "")}, {d.NewLine}"
            : "dialect unknown";
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.File}: {verdict} {r.Kind?.ToName() ?? "file"}: {r.Rows} row(s), {r.ValidRows} valid, {r.ErrorCount} error(s), {r.WarningCount} warning(s) ({dialect})"));
        var all = r.Errors.Concat(r.Warnings).OrderBy(p => p.Line ?? 0).ThenBy(p => p.Severity).ToList();
        if (all.Count == 0)
        {
            return;
        }

        o.WriteLine();
        o.WriteLine($"{"LINE",-8} {"SEVERITY",-8} {"COLUMN",-26} {"RULE",-26} MESSAGE");
        foreach (var p in all)
        {
            var line = p.Line?.ToString(CultureInfo.InvariantCulture) ?? "-";
            var severity = p.Severity == ProblemSeverity.Error ? "error" : "warning";
            o.WriteLine($"{line,-8} {severity,-8} {p.Column ?? "-",-26} {p.Code,-26} {p.Message}");
        }

        var hidden = r.ErrorCount + r.WarningCount - all.Count;
        if (hidden > 0)
        {
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"... and {hidden} more problem(s) not listed"));
        }
    }
}
