using Npgsql;
using RecallFiles.Importer.Database;
using RecallFiles.Reminders;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Importer;

/// <summary>One migration mechanism: the importer's numbered scripts, the reminder engine's tables among them.</summary>
[TestClass]
public sealed class MigratorTests
{
    private const string Reminders = "0200_reminders.sql";

    private static async Task<NpgsqlDataSource> EmptyDatabaseAsync()
    {
        var admin = await PostgresFixture.AdminConnectionStringAsync();
        var name = $"migrator_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString);
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [TestMethod]
    public async Task MigrateAsync_CreatesTheReminderTables_OnAFreshDatabase()
    {
        await using var db = await EmptyDatabaseAsync();

        var applied = await Migrator.MigrateAsync(db);

        CollectionAssert.AreEqual(Migrator.Known.ToArray(), applied.ToArray());
        Assert.Contains(Reminders, applied);
        Assert.AreEqual(2L, await ScalarAsync(db, "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('reminders', 'reminder_outbox')"));
        Assert.IsEmpty(await Migrator.MigrateAsync(db), "each migration once");
    }

    [TestMethod]
    public async Task MigrateAsync_KeepsTheRows_WhenTheReminderTablesAlreadyExist()
    {
        // A database an older build set up: the importer's migrations recorded, the engine's tables created by the
        // engine itself (so schema_migrations does not know the reminders script), with a planned reminder in them.
        await using var db = await EmptyDatabaseAsync();
        await Migrator.MigrateAsync(db);
        await using (var older = db.CreateCommand($"""
            DELETE FROM schema_migrations WHERE name = '{Reminders}';
            INSERT INTO reminders (practice_id, app_lid, kind, label, due_at, channel, address, event_id)
            VALUES ('DEMO-01', 'A1', 'reminder', '2h', now(), 'sms', '+34600111222', 1);
            """))
        {
            await older.ExecuteNonQueryAsync();
        }

        var applied = await Migrator.MigrateAsync(db);

        CollectionAssert.AreEqual(new[] { Reminders }, applied.ToArray());
        Assert.AreEqual(1L, await ScalarAsync(db, "SELECT count(*) FROM reminders WHERE app_lid = 'A1' AND state = 'planned'"));
        Assert.AreEqual(1L, await ScalarAsync(db, $"SELECT count(*) FROM schema_migrations WHERE name = '{Reminders}'"));
    }

    [TestMethod]
    public async Task EnsureSchemaAsync_RunsTheMigrations_WhenTheEngineStartsFirst()
    {
        await using var db = await EmptyDatabaseAsync();

        await ReminderEngine.EnsureSchemaAsync(db);

        Assert.AreEqual((long)Migrator.Known.Count, await ScalarAsync(db, "SELECT count(*) FROM schema_migrations"));
        Assert.AreEqual(0L, await ScalarAsync(db, "SELECT count(*) FROM reminder_outbox"));
    }
}
