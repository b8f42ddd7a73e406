using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using RecallFiles.Exporter;
using RecallFiles.Exporter.Ledger;
using RecallFiles.Exporter.Sources;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Exporter;

/// <summary>The generic source suite on PostgreSQL through Npgsql (COPY), with a least-privilege read-only role.</summary>
[TestClass]
public sealed class PostgreSqlExportTests : GenericSourceSuite
{
    private protected override SqlProvider Provider => SqlProvider.PostgreSql;

    private protected override string Refusal => "read-only";

    /// <summary>A PMS database laid out as the suite expects; returns the connection string of a role that may only SELECT, read-only by default.</summary>
    internal static async Task<string> CreatePmsAsync()
    {
        var admin = await PostgresFixture.AdminConnectionStringAsync();
        var name = $"pms_{Guid.NewGuid():N}";
        await ExecuteAsync(new NpgsqlConnection(admin), $"CREATE DATABASE {name}");
        var pms = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        await ExecuteAsync(new NpgsqlConnection(pms), Layout("timestamp") + $"""
            DROP ROLE IF EXISTS ro_{name};
            CREATE ROLE ro_{name} LOGIN PASSWORD 'read-only-pw' NOSUPERUSER NOCREATEDB NOCREATEROLE;
            ALTER ROLE ro_{name} SET default_transaction_read_only = on;
            GRANT CONNECT ON DATABASE {name} TO ro_{name};
            GRANT USAGE ON SCHEMA public TO ro_{name};
            GRANT SELECT ON visits, doctors TO ro_{name};
            """);
        return new NpgsqlConnectionStringBuilder(pms) { Username = $"ro_{name}", Password = "read-only-pw" }.ConnectionString;
    }

    private protected override Task<string> CreateReadOnlyPmsAsync() => CreatePmsAsync();

    [TestMethod]
    public async Task Export_CannotWrite_ThroughTheReadOnlyRole()
    {
        var readOnly = await CreatePmsAsync();
        var folder = Directory.CreateTempSubdirectory("rf-pg-export-").FullName;
        File.WriteAllText(Path.Combine(folder, "query.sql"), "WITH gone AS (DELETE FROM visits WHERE @WindowStart < @WindowEnd RETURNING id) " + Query);
        var practice = new PracticeExportOptions
        {
            PracticeId = "PG-01", Source = SourceKind.GenericSql, Provider = SqlProvider.PostgreSql, ConnectionString = readOnly,
            QueryFile = Path.Combine(folder, "query.sql"), TimeZone = "Europe/Madrid",
        };
        var runner = new ExportRunner(new ExportLedger(Path.Combine(folder, "agent.db")), TimeProvider.System, NullLogger<ExportRunner>.Instance);

        var ex = await Assert.ThrowsExactlyAsync<ExportException>(() =>
            runner.RunAsync(practice, new ExportRunOptions { Now = OpenDentalDatabase.Now, DryRun = true, OutputFolder = folder }, CancellationToken.None));

        StringAssert.Contains(ex.Message, "read-only");
    }
}
