using System.Text;
using RecallFiles.Schemas;

namespace RecallFiles.Tests.Schemas;

/// <summary>Property test: whatever the writer writes, the reader reads back identically.</summary>
[TestClass]
public sealed class RoundTripPropertyTests
{
    // Characters that stress quoting and encoding: delimiters of every dialect, quotes, line breaks,
    // multibyte UTF-8 (2, 3 and 4 bytes), and formula starters that must not be altered.
    private const string Alphabet = "abcXYZ019 ,;|\t\"'\r\n=+-@ñÑé€漢😀";

    private static string? Text(Random random, int maxLength, bool required)
    {
        if (!required && random.Next(4) == 0)
        {
            return null;
        }

        var length = random.Next(1, maxLength + 1);
        var builder = new StringBuilder();
        while (builder.Length < length)
        {
            var pick = random.Next(Alphabet.Length);
            if (char.IsHighSurrogate(Alphabet[pick]))
            {
                builder.Append(Alphabet, pick, 2);
            }
            else if (!char.IsLowSurrogate(Alphabet[pick]))
            {
                builder.Append(Alphabet[pick]);
            }
        }

        // The reader trims surrounding spaces and tabs and reads an empty value as null, so the
        // generated values are what a reader can return: no surrounding white space, never "".
        var value = builder.ToString().Trim();
        return value.Length == 0 ? (required ? "x" : null) : value;
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    [DataRow(4)]
    [DataRow(5)]
    public void WriteThenRead_GivesBackTheSameRecords_ForGeneratedAppointments(int seed)
    {
        var random = new Random(seed);
        var records = Enumerable.Range(0, 400).Select(i => new AppointmentRecord
        {
            AppLid = "L" + i + Text(random, 10, required: true),
            AppDate = Text(random, 12, required: true)!,
            AppStartTime = Text(random, 6, required: false),
            UserLandlinePhone = Text(random, 20, required: false),
            UserMobilePhone = Text(random, 20, required: false),
            UserEmail = Text(random, 30, required: false),
            ResourceLid = Text(random, 8, required: true)!,
            ResourceName = Text(random, 40, required: true)!,
            ResourceMobilePhone = Text(random, 20, required: false),
            ResourceEmail = Text(random, 30, required: false),
            LocationLid = Text(random, 8, required: false),
            LocationName = Text(random, 40, required: false),
            AppEndTime = Text(random, 6, required: false),
            UserWorkPhone = Text(random, 20, required: false),
            UserLanguage = Text(random, 5, required: false),
            CommunicationPreferences = Text(random, 3, required: false),
            Privacy = Text(random, 1, required: false),
            Status = random.Next(3) == 0 ? null : AppointmentStatuses.WireNames[random.Next(4)],
        }).ToList();

        using var buffer = new MemoryStream();
        using (var writer = ContractWriter.ForAppointments(buffer, Columns.AppointmentExtensions, leaveOpen: true))
        {
            writer.WriteAll(records);
        }

        buffer.Position = 0;
        using var reader = ContractReader.OpenAppointments(buffer, "roundtrip.csv");
        var read = reader.ReadRows().Select(r => r.Record).ToList();

        Assert.HasCount(records.Count, read);
        for (var i = 0; i < records.Count; i++)
        {
            Assert.AreEqual(records[i], read[i], $"record {i} (seed {seed})");
        }
    }

    [TestMethod]
    public void WriteThenRead_GivesBackValidStatusAndResultRecords_Identically()
    {
        var random = new Random(42);
        var statuses = Enumerable.Range(0, 200).Select(i => new StatusRecord
        {
            AppLid = "S" + i,
            UserMobilePhone = random.Next(2) == 0 ? null : "+34 6" + random.Next(10_000_000, 99_999_999),
            UserEmail = random.Next(2) == 0 ? null : $"p{i}@example.org",
            ResourceLid = "DDS" + random.Next(5),
            Status = AppointmentStatuses.WireNames[random.Next(4)],
        }).ToList();
        using var buffer = new MemoryStream();
        using (var writer = ContractWriter.ForStatus(buffer, leaveOpen: true))
        {
            writer.WriteAll(statuses);
        }

        buffer.Position = 0;
        using var reader = ContractReader.OpenStatus(buffer, "s.csv");
        var rows = reader.ReadRows().ToList();

        Assert.IsTrue(rows.All(r => r.IsValid));
        CollectionAssert.AreEqual(statuses, rows.Select(r => r.Record).ToList());
    }
}
