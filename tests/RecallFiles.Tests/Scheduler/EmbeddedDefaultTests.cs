using System.Globalization;
using RecallFiles.Scheduler.Cli;
using RecallFiles.Scheduler.Hosting;
using RecallFiles.Tests.SampleData;


namespace RecallFiles.Tests.Scheduler;

[TestClass]
public sealed class EmbeddedDefaultTests
{
    [TestMethod]
    public void BuildPms_MovesTheSampleToNow_KeepingEveryAppointmentInTheWindow()
    {
        var folder = Directory.CreateTempSubdirectory("rf-embedded-").FullName;
        var database = Path.Combine(folder, "pms.sqlite");

        var count = EmbeddedDefault.BuildPms(RepoPaths.SampleData, database, new DateTimeOffset(2027, 3, 28, 1, 59, 0, TimeSpan.Zero));

        Assert.AreEqual(300, count);
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(starts_at), MAX(starts_at) FROM appointments";
        using var reader = command.ExecuteReader();
        Assert.IsTrue(reader.Read());
        var first = DateTime.ParseExact(reader.GetString(0), "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var last = DateTime.ParseExact(reader.GetString(1), "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        Assert.IsGreaterThanOrEqualTo(new DateTime(2027, 3, 27, 2, 0, 0), first, "not before now - 24 h (local)");
        Assert.IsLessThan(new DateTime(2027, 3, 31, 3, 0, 0), last, "before now + 72 h (local, after the spring DST change)");
    }

    private static readonly System.Collections.Concurrent.ConcurrentBag<string> Folders = [];

    /// <summary>The embedded default leaves its private cluster running (by design, for the next run); the tests stop theirs.</summary>
    [ClassCleanup]
    public static async Task StopClustersAsync()
    {
        foreach (var folder in Folders.Where(f => Directory.Exists(Path.Combine(f, "postgres"))))
        {
            await using var cluster = await RecallFiles.Importer.Database.PostgresCluster.StartAsync(Path.Combine(folder, "postgres"));
            await cluster.StopAsync();
        }
    }

    /// <summary>A data folder the postgres account can traverse (the private cluster runs as postgres when tests run as root).</summary>
    internal static string OpenDataFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"rf-embedded-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        Folders.Add(folder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        return folder;
    }

    private static async Task<(int Exit, string Out, string Err)> RunOnce(string folder, CancellationToken cancellationToken)
    {
        Environment.SetEnvironmentVariable("RecallFiles__DataFolder", folder);
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var exit = await RecallFilesCli.RunAsync(["run", "--once"], output, error, cancellationToken);
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable("RecallFiles__DataFolder", null);
        }
    }

    public TestContext TestContext { get; set; } = null!;

    private static int SentCount(string output) =>
        int.Parse(System.Text.RegularExpressions.Regex.Match(output, @"remind  \d+ appointment event\(s\) planned, (\d+) due message\(s\) sent").Groups[1].Value,
            CultureInfo.InvariantCulture);

    [TestMethod]
    public async Task RunOnce_RunsTheFullCycleOnTheSampleData_AndASecondRunChangesNothing()
    {
        var folder = OpenDataFolder();

        var started = DateTime.UtcNow;
        var first = await RunOnce(folder, TestContext.CancellationToken);
        var between = DateTime.UtcNow;
        var second = await RunOnce(folder, TestContext.CancellationToken);

        TestContext.WriteLine(first.Out + first.Err + second.Out + second.Err);
        Assert.AreEqual(0, first.Exit, first.Err);
        StringAssert.Contains(first.Out, "embedded default");
        StringAssert.Contains(first.Out, "export  DEMO-01: 300 appointment(s)");
        StringAssert.Matches(first.Out, new System.Text.RegularExpressions.Regex(@"import  DEMO-01: batch \d+ APPOINTMENTS_DEMO-01_\d{8}T\d{6}Z\.csv: 300 row\(s\), 0 invalid; applied: \+300 new, ~0 changed, -0 removed"));
        StringAssert.Contains(first.Out, "remind  300 appointment event(s) planned");
        StringAssert.Matches(first.Out, new System.Text.RegularExpressions.Regex(@"reply   DEMO-01: 3 sample replies \(\S+ APPROVED, \S+ APPROVED, \S+ CANCELLED by USER\)"));
        StringAssert.Matches(first.Out, new System.Text.RegularExpressions.Regex(@"status  DEMO-01: 3 update\(s\) in STATUS_DEMO-01_\d{8}T\d{6}Z\.csv"));
        StringAssert.Contains(first.Out, "OK 3, ERROR 0, CONFLICT 0, NOT_FOUND 0");
        StringAssert.Contains(first.Out, ": 3 applied, 0 conflicted, 0 failed, 0 not found");
        StringAssert.Contains(first.Out, "export  DEMO-01: 299 appointment(s) (after the status apply)", "the cancelled visit leaves the PMS's next snapshot");
        StringAssert.Contains(first.Out, "applied: +0 new, ~0 changed, -1 removed");
        StringAssert.Contains(first.Out, "cycle done");
        Assert.AreEqual(0, second.Exit, second.Err);
        StringAssert.Contains(second.Out, "export  DEMO-01: 299 appointment(s)");
        StringAssert.Contains(second.Out, "status  DEMO-01: no queued status update");
        StringAssert.Contains(second.Out, "apply   DEMO-01: no status file");
        StringAssert.Contains(second.Out, "nothing changed");
        Assert.DoesNotContain("+300", second.Out, "the second run changes nothing");
        // Nothing planned twice. The second run may send a reminder that fell due between the two runs (the sample sits on
        // the quarter hours, so a 2 h or 48 h reminder can come due in the seconds between them): never one sent before.
        var sentFirst = SentCount(first.Out);
        var sentSecond = SentCount(second.Out);
        StringAssert.Contains(second.Out, "remind  0 appointment event(s) planned, ", "nothing to plan twice");
        await using (var cluster = await EmbeddedCluster.StartAsync(folder, TestContext.CancellationToken))
        await using (var connection = new Npgsql.NpgsqlConnection(cluster.ConnectionString))
        {
            await connection.OpenAsync(TestContext.CancellationToken);
            await using var sent = new Npgsql.NpgsqlCommand("""
                SELECT count(*)::int, count(DISTINCT (r.practice_id, r.app_lid, r.label))::int,
                       count(*) FILTER (WHERE o.created_at >= $2)::int, count(*) FILTER (WHERE o.created_at >= $2 AND r.due_at <= $1)::int
                FROM reminder_outbox o JOIN reminders r ON r.id = o.reminder_id
                """, connection);
            sent.Parameters.Add(new() { Value = started });
            sent.Parameters.Add(new() { Value = between });
            await using var reader = await sent.ExecuteReaderAsync(TestContext.CancellationToken);
            Assert.IsTrue(await reader.ReadAsync(TestContext.CancellationToken));
            Assert.AreEqual(sentFirst + sentSecond, reader.GetInt32(0), "every message the runs report is one outbox row");
            Assert.AreEqual(reader.GetInt32(0), reader.GetInt32(1), "no reminder of an appointment sent twice");
            Assert.AreEqual(sentSecond, reader.GetInt32(2), "the second run's messages are the outbox rows written after the first run");
            Assert.AreEqual(0, reader.GetInt32(3), "what was due before the first run went out in the first run, not in the second");
        }

        if (sentSecond > 0)
        {
            TestContext.WriteLine($"{sentSecond} reminder(s) fell due between the two runs");
        }

        var audit = File.ReadAllText(Path.Combine(folder, "logs", "audit.log"));
        Assert.AreEqual(3, audit.Split('\n').Count(l => l.Contains("|export practice=DEMO-01", StringComparison.Ordinal)), "two in the first cycle, one in the second");
        Assert.AreEqual(3, audit.Split('\n').Count(l => l.Contains("|batch practice=DEMO-01", StringComparison.Ordinal)));
        // Issue 14: the second run's snapshot is a duplicate, never loaded: its line says so, not "rows= invalid= + ~ -".
        Assert.DoesNotContain("rows= ", audit);
        StringAssert.Contains(audit, "not loaded by=scheduler");
    }

    [TestMethod]
    public async Task Logs_HoldNoPhoneOrEmailUnmasked_AfterProcessingTheSampleAndMalformedFiles()
    {
        var folder = OpenDataFolder();
        Assert.AreEqual(0, (await RunOnce(folder, TestContext.CancellationToken)).Exit);
        var inbox = Path.Combine(folder, "dropbox", "DEMO-01", "appointments");
        var processed = new List<string> { Path.Combine(RepoPaths.SampleData, "appointments", EmbeddedDefault.SampleFile) };
        var stamp = DateTimeOffset.UtcNow;
        foreach (var bad in new[] { "bad-phone.csv", "bad-email.csv" })
        {
            stamp = stamp.AddSeconds(1);
            var name = $"APPOINTMENTS_DEMO-01_{stamp:yyyyMMdd'T'HHmmss'Z'}.csv";
            File.Copy(Path.Combine(RepoPaths.Malformed, bad), Path.Combine(inbox, name));
            await File.WriteAllTextAsync(Path.Combine(inbox, name + ".done"), "", TestContext.CancellationToken);
            processed.Add(Path.Combine(RepoPaths.Malformed, bad));
        }

        var third = await RunOnce(folder, TestContext.CancellationToken);
        TestContext.WriteLine(third.Out + third.Err);

        var logs = string.Join("\n", Directory.GetFiles(Path.Combine(folder, "logs"), "*", SearchOption.AllDirectories).Select(File.ReadAllText));
        StringAssert.Contains(logs, "bad-phone".Length > 0 ? "DEMO-01" : "", "the logs are there");
        var leaks = new List<string>();
        foreach (var file in processed)
        {
            foreach (var line in File.ReadAllLines(file).Skip(1))
            {
                var fields = line.Split(',');
                foreach (var value in new[] { fields[3], fields[4], fields[5], fields[8], fields[9] }.Where(v => v.Length > 0))
                {
                    var digits = new string(value.Where(char.IsAsciiDigit).ToArray());
                    if (logs.Contains(value, StringComparison.Ordinal) && (value.Contains('@', StringComparison.Ordinal) || digits.Length >= 6))
                    {
                        leaks.Add(value);
                    }
                    else if (digits.Length >= 6 && logs.Contains(digits, StringComparison.Ordinal))
                    {
                        leaks.Add(value + " (as " + digits + ")");
                    }
                }
            }
        }

        Assert.IsEmpty(leaks.Distinct().ToList(), "unmasked in the logs: " + string.Join(", ", leaks.Distinct()));
    }
}
