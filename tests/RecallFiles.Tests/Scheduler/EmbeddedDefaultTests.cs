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

    [TestMethod]
    public async Task RunOnce_WithNoConfiguration_ExportsTheSamplePractice_IntoALocalDropBox()
    {
        var folder = Directory.CreateTempSubdirectory("rf-embedded-").FullName;
        Environment.SetEnvironmentVariable("RecallFiles__DataFolder", folder);
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var exit = await RecallFilesCli.RunAsync(["run", "--once"], output, error);

            Assert.AreEqual(0, exit, error.ToString());
            StringAssert.Contains(output.ToString(), "embedded default");
            StringAssert.Contains(output.ToString(), "DEMO-01: 300 appointment(s)");
            var uploaded = Directory.GetFiles(Path.Combine(folder, "dropbox", "DEMO-01", "appointments"), "APPOINTMENTS_DEMO-01_*.csv");
            Assert.HasCount(1, uploaded);
        }
        finally
        {
            Environment.SetEnvironmentVariable("RecallFiles__DataFolder", null);
        }
    }
}
