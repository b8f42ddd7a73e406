using System.Text;
using CsvHelper;
using RecallFiles.Schemas;

namespace RecallFiles.Tests.Schemas;

/// <summary>
/// Issue 18: <see cref="ContractWriter"/> fills one reused array per row (the schema's Fill) instead of a new array
/// per record. Its bytes must stay the ones CsvHelper 34 writes for the values in column order with the contract's
/// options: this writes the same records both ways (tricky, non-ASCII, lone-surrogate, >64 KiB values) and compares.
/// </summary>
[TestClass]
public sealed class ContractWriterParityTests
{
    private static readonly string?[] Tricky =
    [
        null, "", " ", "  lead", "trail  ", "\t", "a,b", ",", "\"", "\"\"", "say \"hi\"", "\"quoted\"", "a\r\nb", "\r", "\n",
        "line\nbreak", "cr\ronly", "Clínica Peñalver", "Ærø, Ålesund", "日本語の名前", "emoji 😀 ok", "\"😀\",\r\n",
        "\ud800 lone high", "lone low \udc00", "end high \ud83d", "=SUM(A1)", "+34 600", "-5", "@x", "NUL\0inside",
        "ümlaut\"quote", "x",
    ];

    [TestMethod]
    public void Write_GivesCsvHelpersBytes_ForTrickyValues()
    {
        var random = new Random(18);
        var records = new List<AppointmentRecord>();
        for (var i = 0; i < 2_000; i++)
        {
            records.Add(Record(i, () => Tricky[random.Next(Tricky.Length)]));
        }

        AssertSameBytes(records, Columns.AppointmentExtensions);
        AssertSameBytes(records, null);
    }

    [TestMethod]
    public void Write_GivesCsvHelpersBytes_ForVeryLongValues()
    {
        // Longer than a 64 KiB write buffer, with non-ASCII, quotes and surrogate pairs throughout.
        var unit = "ñ\"😀,é" + new string('a', 21_841);
        var huge = string.Concat(Enumerable.Repeat(unit, 7));
        var records = new List<AppointmentRecord>
        {
            Record(0, () => huge),
            Record(1, () => new string('x', 200_000)),
            Record(2, () => string.Concat(Enumerable.Repeat("😀", 50_000))),
            Record(3, () => new string('"', 70_000)),
        };

        AssertSameBytes(records, Columns.AppointmentExtensions);
    }

    [TestMethod]
    public void Write_GivesCsvHelpersBytes_ForStatusAndResultFiles()
    {
        var status = new StatusRecord { AppLid = "A,1", ResourceLid = "DDS \"1\"", Status = "Cancelled by user", UserEmail = "ü@example.org", AppDate = "01/12/2026" };
        var result = new StatusResultRecord { AppLid = "A1", Result = "ERROR", Message = "line 1\r\nline 2, \"quoted\"" };

        using var ours = new MemoryStream();
        using (var writer = ContractWriter.ForStatus(ours, leaveOpen: true, withSchedule: true))
        {
            writer.Write(status);
        }

        using var theirs = new MemoryStream();
        using (var csv = Reference(theirs))
        {
            csv.WriteHeader([.. Columns.StatusColumns, .. Columns.StatusExtensions]);
            csv.WriteRecord([status.AppLid, status.UserLandlinePhone, status.UserMobilePhone, status.UserEmail, status.ResourceLid, status.Status, status.AppDate, status.AppStartTime]);
        }

        CollectionAssert.AreEqual(theirs.ToArray(), ours.ToArray());

        using var ours2 = new MemoryStream();
        using (var writer = ContractWriter.ForStatusResults(ours2, leaveOpen: true))
        {
            writer.Write(result);
        }

        using var theirs2 = new MemoryStream();
        using (var csv = Reference(theirs2))
        {
            csv.WriteHeader([Columns.AppLid, Columns.Result, Columns.Message]);
            csv.WriteRecord([result.AppLid, result.Result, result.Message]);
        }

        CollectionAssert.AreEqual(theirs2.ToArray(), ours2.ToArray());
    }

    [TestMethod]
    public async Task DisposeAsync_WritesEverythingAndLeavesTheStreamOpen_WhenAskedTo()
    {
        using var buffer = new MemoryStream();
        await using (var writer = ContractWriter.ForAppointments(buffer, leaveOpen: true))
        {
            writer.Write(Record(7, () => "v"));
        }

        Assert.IsTrue(buffer.CanWrite, "leaveOpen: the stream stays usable");
        var text = Encoding.UTF8.GetString(buffer.ToArray());
        Assert.AreEqual(Csv.AppointmentHeader + "\r\nA7,v,v,v,v,v,v,v,v,v,v,v\r\n", text);
    }

    private static AppointmentRecord Record(int i, Func<string?> value) => new()
    {
        AppLid = "A" + i, AppDate = value() ?? "", AppStartTime = value(), UserLandlinePhone = value(), UserMobilePhone = value(),
        UserEmail = value(), ResourceLid = value() ?? "", ResourceName = value() ?? "", ResourceMobilePhone = value(), ResourceEmail = value(),
        LocationLid = value(), LocationName = value(), AppEndTime = value(), UserWorkPhone = value(), UserLanguage = value(),
        CommunicationPreferences = value(), Privacy = value(), Status = value(),
    };

    private static string?[] Values(AppointmentRecord r) =>
    [
        r.AppLid, r.AppDate, r.AppStartTime, r.UserLandlinePhone, r.UserMobilePhone, r.UserEmail, r.ResourceLid, r.ResourceName,
        r.ResourceMobilePhone, r.ResourceEmail, r.LocationLid, r.LocationName, r.AppEndTime, r.UserWorkPhone, r.UserLanguage,
        r.CommunicationPreferences, r.Privacy, r.Status,
    ];

    // The writer ContractWriter used until issue 18, with the contract's options.
    private static CsvWriter Reference(Stream stream) => CsvWriter.Create(stream, new CsvWriterOptions
    {
        Separator = ',',
        NewLine = "\r\n",
        Quoting = CsvQuoting.WhenNeeded,
        Injection = CsvInjection.None,
        WriteByteOrderMark = false,
        ValidateFieldCount = true,
    }, leaveOpen: true);

    private static void AssertSameBytes(List<AppointmentRecord> records, IReadOnlyList<string>? extensions)
    {
        using var ours = new MemoryStream();
        IReadOnlyList<string> columns;
        using (var writer = ContractWriter.ForAppointments(ours, extensions, leaveOpen: true))
        {
            columns = writer.Columns;
            writer.WriteAll(records);
            Assert.AreEqual(records.Count, writer.Count);
        }

        var all = Columns.AppointmentRequired.Concat(Columns.AppointmentExtensions).ToList();
        var indexes = columns.Select(c => all.IndexOf(c)).ToArray();
        using var theirs = new MemoryStream();
        using (var csv = Reference(theirs))
        {
            csv.WriteHeader([.. columns]);
            foreach (var record in records)
            {
                var values = Values(record);
                csv.WriteRecord(indexes.Select(i => values[i]).ToArray());
            }
        }

        var expected = theirs.ToArray();
        var actual = ours.ToArray();
        var at = expected.AsSpan().CommonPrefixLength(actual);
        Assert.IsTrue(at == expected.Length && at == actual.Length,
            $"first difference at byte {at} of {expected.Length} (CsvHelper) / {actual.Length} (ContractWriter): " +
            $"CsvHelper '{Encoding.UTF8.GetString(expected, Math.Max(0, at - 20), Math.Min(40, expected.Length - Math.Max(0, at - 20)))}', " +
            $"ours '{Encoding.UTF8.GetString(actual, Math.Max(0, at - 20), Math.Min(40, actual.Length - Math.Max(0, at - 20)))}'");
    }
}
