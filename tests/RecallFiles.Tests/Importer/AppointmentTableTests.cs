using Npgsql;
using RecallFiles.Importer.Feed;
using RecallFiles.Importer.Loading;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Importer;

/// <summary>
/// The appointment row layout is stated once (<see cref="AppointmentTable"/>); these tests hold it equal to what the
/// migrations create and to the payload type the reminder engine reads.
/// </summary>
[TestClass]
public sealed class AppointmentTableTests
{
    [TestMethod]
    public async Task Content_MatchesTheMigratedTable_NameTypeAndNullability()
    {
        var connectionString = await PostgresFixture.CreateDatabaseAsync("layout");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("""
            SELECT column_name, data_type, is_nullable FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name = 'appointments' ORDER BY ordinal_position
            """);
        var columns = new Dictionary<string, (string Type, bool Nullable)>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2) == "YES");
            }
        }

        Assert.IsNotEmpty(columns, "the migrations create appointments");
        foreach (var column in AppointmentTable.Content)
        {
            Assert.IsTrue(columns.TryGetValue(column.Name, out var actual), $"{column.Name} is in the descriptor but not in the migrated table");
            var expected = column.PgType switch
            {
                "timestamp" => "timestamp without time zone",
                "time" => "time without time zone",
                var t => t,
            };
            Assert.AreEqual(expected, actual.Type, $"type of {column.Name}");
            Assert.AreEqual(!column.NotNull, actual.Nullable, $"nullability of {column.Name}");
        }

        // Every content column of the table is in the descriptor: the rest are bookkeeping the loader writes itself.
        string[] bookkeeping = ["practice_id", "removed", "first_batch_id", "last_batch_id", "last_change", "updated_at", "row_hash"];
        CollectionAssert.AreEquivalent(columns.Keys.Except(bookkeeping).ToList(), AppointmentTable.Content.Select(c => c.Name).ToList());
    }

    [TestMethod]
    public async Task StagingDdl_CreatesTheContentColumns_InDescriptorOrder()
    {
        var connectionString = await PostgresFixture.CreateDatabaseAsync("layout_staging");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var create = new NpgsqlCommand(AppointmentTable.StagingDdl, connection, transaction))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using var select = new NpgsqlCommand("SELECT * FROM staging LIMIT 0", connection, transaction);
        await using var reader = await select.ExecuteReaderAsync();
        var names = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
        CollectionAssert.AreEqual(AppointmentTable.Content.Select(c => c.Name).Append("row_hash").ToList(), names);
    }

    [TestMethod]
    public void Payload_HasEveryKeyOfThePayloadType_OnceAndInOrder()
    {
        CollectionAssert.AreEqual(AppointmentPayload.Keys.All.ToList(), AppointmentTable.Payload.Select(c => c.PayloadKey).ToList());
        StringAssert.StartsWith(AppointmentTable.PayloadSql("x"), "json_build_object('starts_at', x.starts_at, 'end', x.app_end_time");
    }

    [TestMethod]
    public void Parse_ReadsEveryKey_AsTheReminderEngineNeedsThem()
    {
        var payload = AppointmentPayload.Parse("""
            {"starts_at":"2026-11-24T09:30:00","end":"10:00:00","mobile":"+34600123456","landline":null,"email":"","language":"es",
             "preferences":"110","status":"CANCELLED by USER","resource":"DDS1","location":"L1"}
            """);
        Assert.AreEqual(new DateTime(2026, 11, 24, 9, 30, 0), payload.StartsAt);
        Assert.AreEqual(new DateTime(2026, 11, 24, 10, 0, 0), payload.EndsAt);
        Assert.AreEqual("+34600123456", payload.Mobile);
        Assert.IsNull(payload.Landline);
        Assert.IsNull(payload.Email, "an empty string reads as absent");
        Assert.AreEqual(RecallFiles.Schemas.AppointmentStatus.CancelledByUser, payload.ParsedStatus);
        Assert.AreEqual(("DDS1", "L1", "110", "es"), (payload.Resource, payload.Location, payload.Preferences, payload.Language));
        Assert.ThrowsExactly<InvalidDataException>(() => AppointmentPayload.Parse("""{"end":"10:00:00"}"""));
    }
}
