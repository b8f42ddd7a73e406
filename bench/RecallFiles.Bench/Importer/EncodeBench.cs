using System.Diagnostics;
using RecallFiles.Importer.Loading;
using RecallFiles.Schemas;

namespace RecallFiles.Bench.Importer;

/// <summary>
/// The load's per-row encoder alone, on 100,000 distinct rows encoded 10 times per round: what the client spends per row
/// besides parsing, with no database. Added in issue 11 to measure the descriptor-driven encoder against the hand-written one.
/// </summary>
internal static class EncodeBench
{
    public static int Run(bool onlyEncode = false)
    {
        var records = new AppointmentRecord[100_000];
        for (var i = 0; i < records.Length; i++)
        {
            records[i] = new AppointmentRecord
            {
                AppLid = "A" + i, AppDate = "24/11/2026", AppStartTime = "09:30", AppEndTime = "10:00", UserMobilePhone = "+34600" + i,
                UserEmail = $"p{i}@example.com", UserLanguage = "es", CommunicationPreferences = "110", Status = "APPROVED",
                ResourceLid = "DDS" + (i % 7), ResourceName = "Dr. Who", LocationLid = "L1", LocationName = "Main",
            };
        }

        var date = new DateOnly(2026, 11, 24);
        TimeOnly? start = new TimeOnly(9, 30), end = new TimeOnly(10, 0);
        var encoder = new RowEncoder("BIG", 1);
        var apps = new CopyBuffer(1 << 24);
        var events = new CopyBuffer(1 << 24);
        for (var round = 0; round < 7; round++)
        {
            var sw = Stopwatch.StartNew();
            long hash = 0;
            for (var rep = 0; rep < 10; rep++)
            {
                apps.Clear();
                events.Clear();
                foreach (var r in records)
                {
                    var load = new LoadRow(r, date, start, end); encoder.Encode(load); if (!onlyEncode) encoder.WriteNew(apps, events, load);
                    hash = unchecked(hash + (long)(ulong)encoder.Hash);
                }
            }

            Console.WriteLine($"round {round + 1}: 1,000,000 rows encoded in {sw.Elapsed.TotalMilliseconds:0} ms ({1e9 / sw.Elapsed.TotalNanoseconds * 1_000_000:0} rows/s; checksum {hash & 0xff})");
        }

        return 0;
    }
}
